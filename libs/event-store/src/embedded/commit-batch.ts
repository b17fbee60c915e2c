import Database from 'better-sqlite3';
import type { ExpectedRevision } from '../event-store.port';
import type { SerializedEvent } from '../serialize-events';

/** One append of a group commit, as it crosses to the thread that commits it (plain data). */
export interface AppendRequest {
  readonly stream: string;
  readonly events: readonly SerializedEvent[];
  readonly expected: ExpectedRevision;
}

/** What became of one append: written (its stream's new revision, its last event's position), or refused. */
export type AppendOutcome =
  | { readonly ok: true; readonly revision: bigint; readonly position: bigint }
  | { readonly ok: false; readonly actual: bigint | 'no_stream' };

/**
 * A connection as every one of the store's connections is opened: WAL, and `synchronous=FULL`
 * (a commit returns once it is on disk), waiting `busyTimeoutMs` for another process's write.
 */
export function openDatabase(file: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(file);
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

/**
 * The group commit: every append of a batch in ONE write transaction (one fsync), each checked
 * against its own expected revision, a refused one leaving the others to commit. Throws (nothing
 * written) when the transaction as a whole fails: a lock timeout, a full disk.
 */
export function batchCommitter(db: Database.Database): (batch: readonly AppendRequest[]) => AppendOutcome[] {
  const head = db.prepare<[string], number | null>('SELECT MAX(revision) FROM events WHERE stream = ?').pluck();
  const insert = db.prepare<[string, number, string, string, string, string, number]>(
    'INSERT INTO events (stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const writeOne = (append: AppendRequest): AppendOutcome => {
    const last = head.get(append.stream) ?? null;
    const actual = last === null ? 'no_stream' : BigInt(last);
    if (!expectationHolds(append.expected, actual)) return { ok: false, actual };
    const recordedAt = Date.now();
    let revision = last ?? -1;
    let position = 0;
    for (const event of append.events) {
      revision += 1;
      const info = insert.run(append.stream, revision, event.id, event.type, event.data, event.metadata, recordedAt);
      position = Number(info.lastInsertRowid);
    }
    return { ok: true, revision: BigInt(revision), position: BigInt(position) };
  };
  const transaction = db.transaction((batch: readonly AppendRequest[]) => batch.map(writeOne));
  return (batch) => transaction.immediate(batch);
}

function expectationHolds(expected: ExpectedRevision, actual: bigint | 'no_stream'): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 'no_stream';
    case 'stream_exists':
      return actual !== 'no_stream';
    default:
      return actual === expected;
  }
}
