import Database from 'better-sqlite3';
import { chainHashOf, GENESIS_HASH, splitChainHash, withChainHash } from '@app/audit/chain';
import type { ExpectedRevision } from '../event-store.port';
import { withSealedData, type SerializedEvent } from '../serialize-events';

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
 * Fields an event asks to have sealed (`EventData.seal`) are sealed here first, before the write
 * transaction: on the commit thread, off the appending thread (checked when queued, so this
 * cannot fail an append).
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
  // Changes when another connection (process, thread) commits to the file, never on our own commits.
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  // The head (last revision and, chained, its hash) this committer wrote to each stream, as
  // committed, and what the batch in hand wrote. While no other connection has committed since
  // our last commit, a remembered head is the stream's head: neither its revision nor its hash
  // is read back. Once another one has, they are forgotten (it may have written to any stream).
  const committed = new Map<string, StreamHead>();
  let inBatch = new Map<string, StreamHead>();
  let ourLastVersion: number | undefined;
  const headOf = (stream: string): StreamHead | undefined => {
    const known = inBatch.get(stream) ?? committed.get(stream);
    if (known) return known;
    const last = head.get(stream) ?? null;
    if (last === null) return undefined;
    // An event written before the store chained (no hash) is chained from as a stream's start would be.
    const hash = chained ? (splitChainHash(metadataAt.get(stream, last) ?? '{}').chainHash ?? GENESIS_HASH) : '';
    return { revision: last, hash };
  };
  // In two passes: first each append is checked and its events chained (hashes only, in one
  // run: the SHA-256 work stays hot instead of taking turns with SQLite's inserts), then every
  // row is inserted. The outcomes are those of taking the appends one by one: `inBatch` carries
  // each stream's head from one append of the batch to the next.
  const decideOne = (append: AppendRequest): AppendOutcome | Row[] => {
    const known = headOf(append.stream);
    const actual = known === undefined ? 'no_stream' : BigInt(known.revision);
    if (!expectationHolds(append.expected, actual)) return { ok: false, actual };
    const recordedAt = Date.now();
    let revision = known?.revision ?? -1;
    let previous = known?.hash ?? GENESIS_HASH;
    const written: Row[] = [];
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
      written.push([append.stream, revision, event.id, event.type, event.data, metadata, recordedAt]);
    }
    inBatch.set(append.stream, { revision, hash: chained ? previous : '' });
    return written;
  };
  let versionInBatch = 0;
  const transaction = db.transaction((batch: readonly AppendRequest[]) => {
    versionInBatch = dataVersion.get()!;
    if (versionInBatch !== ourLastVersion) committed.clear();
    const decided = batch.map(decideOne);
    return decided.map((outcome): AppendOutcome => {
      if (!Array.isArray(outcome)) return outcome;
      let position = 0;
      for (const row of outcome) position = Number(insert.run(...row).lastInsertRowid);
      const revision = outcome[outcome.length - 1]![1];
      return { ok: true, revision: BigInt(revision), position: BigInt(position) };
    });
  });
  return (batch) => {
    inBatch = new Map();
    const stored = batch.map((append) =>
      append.events.some((event) => event.seal !== '')
        ? { ...append, events: append.events.map((event) => sealedOrThrow(event, chained)) }
        : append,
    );
    // Remembered only once committed: a rolled-back batch's heads were never the streams' heads.
    const outcomes = transaction.immediate(stored);
    ourLastVersion = versionInBatch;
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

/**
 * `withSealedData`, whose failure (never expected: the seals were checked when queued) fails the
 * batch with a message naming the event but not the reason: a parser's message can quote the
 * text it read, which here holds the personal data in clear, and the message reaches the logs.
 */
function sealedOrThrow(event: SerializedEvent, chained: boolean): SerializedEvent {
  try {
    return withSealedData(event, chained);
  } catch {
    throw new Error(`the ${event.type} event ${event.id} could not be sealed: nothing of its batch was written`);
  }
}

type Row = [stream: string, revision: number, id: string, type: string, data: string, metadata: string, at: number];

interface StreamHead {
  readonly revision: number;
  /** Its chain hash (empty when the committer does not chain). */
  readonly hash: string;
}

/** Streams whose head a committer keeps (the most recently written). */
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
