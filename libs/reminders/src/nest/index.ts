export * from './reminders.module';
export * from './reminder-processor.host';
