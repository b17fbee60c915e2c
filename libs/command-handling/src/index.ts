export * from './event-envelope';
export * from './handle-command';
