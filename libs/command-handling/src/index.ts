export * from './command-digest';
export * from './event-envelope';
export * from './handle-command';
export * from './idempotency-keys';
export * from './stream-queue';
export * from './stream-state-cache';
