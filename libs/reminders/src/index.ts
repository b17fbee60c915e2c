export * from './reminder-jobs';
export * from './reminder-subscription';
export * from './reconcile';
export * from './case-states';
export * from './fenced-checkpoint';
export * from './reminder-processor';
export * from './redis-connection';
export * from './reminder-metrics';
