export * from './reminder-jobs';
export * from './reminder-scheduler';
export * from './reminder-processor';
export * from './redis-connection';
