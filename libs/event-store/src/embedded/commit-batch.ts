import Database from 'better-sqlite3';
import { chainHashOf, GENESIS_HASH, splitChainHash, withChainHash } from '@app/audit/chain';
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
 *
 * Each event is chained here, inside the write transaction, where its true revision and its
 * stream's previous event are known whichever process or thread wrote that: its metadata gets the
 * hash of the previous event's hash and its own canonical text (`@app/audit`). `chained: false`
 * leaves the hash out (a benchmark's baseline only).
 */
export function batchCommitter(
  db: Database.Database,
  chained = true,
): (batch: readonly AppendRequest[]) => AppendOutcome[] {
  const head = db.prepare<[string], number | null>('SELECT MAX(revision) FROM events WHERE stream = ?').pluck();
  const metadataAt = db
    .prepare<[string, number], string>('SELECT metadata FROM events WHERE stream = ? AND revision = ?')
    .pluck();
  const insert = db.prepare<[string, number, string, string, string, string, number]>(
    'INSERT INTO events (stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  // The last hash this committer wrote to each stream (committed), and what the batch in hand wrote:
  // a stream's head is read from its row only when another process (or thread) wrote it since.
  const committed = new Map<string, StreamHead>();
  let inBatch = new Map<string, StreamHead>();
  const hashAt = (stream: string, revision: number): string => {
    const known = inBatch.get(stream) ?? committed.get(stream);
    if (known && known.revision === revision) return known.hash;
    // An event written before the store chained (no hash) is chained from as a stream's start would be.
    return splitChainHash(metadataAt.get(stream, revision) ?? '{}').chainHash ?? GENESIS_HASH;
  };
  const writeOne = (append: AppendRequest): AppendOutcome => {
    const last = head.get(append.stream) ?? null;
    const actual = last === null ? 'no_stream' : BigInt(last);
    if (!expectationHolds(append.expected, actual)) return { ok: false, actual };
    const recordedAt = Date.now();
    let revision = last ?? -1;
    let previous = chained && last !== null ? hashAt(append.stream, last) : GENESIS_HASH;
    let position = 0;
    for (const event of append.events) {
      revision += 1;
      let metadata = event.metadata;
      if (chained) {
        previous = chainHashOf(previous, {
          stream: append.stream,
          revision,
          type: event.type,
          dataJson: event.data,
          metadataJson: event.metadata,
        });
        metadata = withChainHash(event.metadata, previous);
      }
      const info = insert.run(append.stream, revision, event.id, event.type, event.data, metadata, recordedAt);
      position = Number(info.lastInsertRowid);
    }
    if (chained) inBatch.set(append.stream, { revision, hash: previous });
    return { ok: true, revision: BigInt(revision), position: BigInt(position) };
  };
  const transaction = db.transaction((batch: readonly AppendRequest[]) => batch.map(writeOne));
  return (batch) => {
    inBatch = new Map();
    // Remembered only once committed: a rolled-back batch's hashes were never the streams' heads.
    const outcomes = transaction.immediate(batch);
    for (const [stream, written] of inBatch) {
      committed.delete(stream);
      committed.set(stream, written);
    }
    for (const stream of committed.keys()) {
      if (committed.size <= REMEMBERED_HEADS) break;
      committed.delete(stream);
    }
    return outcomes;
  };
}

interface StreamHead {
  readonly revision: number;
  readonly hash: string;
}

/** Streams whose last hash a committer keeps (the most recently written). */
const REMEMBERED_HEADS = 10_000;

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
