export * from './canonical-json';
export * from './event-hash';
export * from './metadata-hash';
export * from './verify-chains';
