export * from './event-store.port';
export * from './errors';
export * from './position';
export { partitionCharacters, partitionRegex, type StreamPartition } from './partition';
export { eventMatcher, isSystemEvent } from './filter';
export { SqliteEventStore, type SqliteEventStoreOptions, type StoredEventText } from './embedded/sqlite-event-store';
export { EventStoreDbEventStore } from './esdb/esdb-event-store';
export { openEventStore, type EventStoreConnection } from './open-event-store';
export { followInBatches, inBatches } from './batches';
