import type { EventStore } from './event-store.port';
import { SqliteEventStore, type SqliteEventStoreOptions } from './embedded/sqlite-event-store';
import { EventStoreDbEventStore } from './esdb/esdb-event-store';

/** Where the events live: an embedded SQLite file, or an EventStoreDB server. */
export type EventStoreConnection =
  | { readonly kind: 'embedded'; readonly file: string; readonly options?: SqliteEventStoreOptions }
  | { readonly kind: 'eventstoredb'; readonly connectionString: string };

export function openEventStore(connection: EventStoreConnection): EventStore {
  return connection.kind === 'embedded'
    ? new SqliteEventStore(connection.file, connection.options)
    : new EventStoreDbEventStore(connection.connectionString);
}
