export * from './reminders.module';
export * from './reminder-processor.host';
export * from './reminder-queue';
