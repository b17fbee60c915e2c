export * from './key-encryption-key';
export * from './key-store.port';
export * from './sqlite-key-store';
export * from './keyring';
export * from './sealed-events';
export * from './sealing-event-store';
export * from './postgres-key-store';
export * from './open-key-store';
