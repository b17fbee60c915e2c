import { join } from 'node:path';
import type { EventStoreConnection } from '@app/event-store';
import type { AppConfig } from './app-config';

/**
 * EventStoreDB when a connection string is configured, else the SQLite file under `DATA_DIR`,
 * committing on a thread of its own so a server goes on serving while a commit waits for its
 * fsync (a process that only reads never starts that thread).
 */
export function eventStoreConnectionFor(config: AppConfig): EventStoreConnection {
  return config.eventStoreConnectionString
    ? { kind: 'eventstoredb', connectionString: config.eventStoreConnectionString }
    : { kind: 'embedded', file: join(config.dataDir, 'events.sqlite'), options: { commitThread: true } };
}
