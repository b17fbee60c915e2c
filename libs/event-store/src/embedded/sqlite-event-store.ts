import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { WrongExpectedVersionError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventData,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadByStreamOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store.port';
import { eventMatcher, isSystemEvent } from '../filter';
import { partitionCharacters, type StreamPartition } from '../partition';
import { serializeEvents, type SerializedEvent } from '../serialize-events';
import { CommitSignal } from './commit-signal';
import { migrate } from './schema';

export interface SqliteEventStoreOptions {
  /** How long a write waits for another process's write transaction to finish. */
  readonly busyTimeoutMs?: number;
  /** How often a waiting live subscriber looks for commits made by other processes. */
  readonly crossProcessPollMs?: number;
  /** Rows read per query by `readAll` and subscriptions. */
  readonly pageSize?: number;
}

type Row = [
  position: number,
  stream: string,
  revision: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: number,
];

interface PendingAppend {
  readonly stream: string;
  readonly events: readonly SerializedEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: WrongExpectedVersionError };

const COLUMNS = 'position, stream, revision, event_id, type, data, metadata, recorded_at';
const LAST = Number.MAX_SAFE_INTEGER;

/**
 * The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, so an append
 * resolves only once its transaction is on disk.
 *
 * Appends that arrive in the same turn of the event loop are committed together in one
 * transaction (group commit): one fsync for many writers, each append still checked against its
 * own expected revision, a failing one leaving the others to commit. Several processes may open
 * the same file; SQLite serialises their write transactions, and the global position (an
 * AUTOINCREMENT key assigned inside that single-writer transaction) is therefore never seen with
 * a gap that a later commit fills, which is what lets subscriptions simply read "after position".
 */
export class SqliteEventStore implements EventStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly signal: CommitSignal;
  private readonly pageSize: number;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;

  private readonly statements: {
    head: Database.Statement<[string]>;
    insert: Database.Statement<[string, number, string, string, string, string, number]>;
    streamForwards: Database.Statement<[string, number, number]>;
    streamBackwards: Database.Statement<[string, number, number]>;
    allForwards: Database.Statement<[number, number]>;
    allBackwards: Database.Statement<[number, number]>;
    lastPosition: Database.Statement<[]>;
  };
  private readonly byStream = new Map<string, { first: Database.Statement; next: Database.Statement }>();
  private readonly writeBatch: Database.Transaction<(batch: PendingAppend[]) => Outcome[]>;

  constructor(
    readonly file: string,
    options: SqliteEventStoreOptions = {},
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.description = `embedded SQLite event store at ${file}`;
    this.pageSize = options.pageSize ?? 1000;
    this.db = new Database(file);
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    migrate(this.db);

    const db = this.db;
    this.statements = {
      head: db.prepare('SELECT MAX(revision) FROM events WHERE stream = ?').pluck(),
      insert: db.prepare(
        'INSERT INTO events (stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      streamForwards: db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`)
        .raw(),
      streamBackwards: db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`)
        .raw(),
      allForwards: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`).raw(),
      allBackwards: db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE position <= ? ORDER BY position DESC LIMIT ?`)
        .raw(),
      lastPosition: db.prepare('SELECT COALESCE(MAX(position), 0) FROM events').pluck(),
    };
    this.writeBatch = db.transaction((batch: PendingAppend[]) => batch.map((append) => this.writeOne(append)));
    this.signal = new CommitSignal(() => this.db.pragma('data_version', { simple: true }) as number, {
      pollMs: options.crossProcessPollMs ?? 20,
    });
  }

  async append(stream: string, events: readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    if (!stream) throw new TypeError('A stream name is required');
    // Checked and serialised before queueing, so a bad event fails only its own append.
    const serialized = serializeEvents(events);
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ stream, events: serialized, expected: options.expectedRevision ?? 'any', resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const limit = options.maxCount ?? LAST;
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    const fromRevision = from === 'start' ? 0 : from === 'end' ? LAST : Number(from);
    if (!backwards && from === 'end') return [];
    const statement = backwards ? this.statements.streamBackwards : this.statements.streamForwards;
    return (statement.all(stream, fromRevision, limit) as Row[]).map(toRecordedEvent);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const from = options.fromPosition ?? (backwards ? 'end' : 'start');
    let cursor = from === 'start' ? 0 : from === 'end' ? LAST : Number(from.commit);
    if (!backwards && from === 'end') return;
    let remaining = options.maxCount ?? LAST;
    const matches = eventMatcher(options.filter);
    while (remaining > 0 && !this.closed) {
      const rows = (
        backwards
          ? this.statements.allBackwards.all(cursor, this.pageSize)
          : this.statements.allForwards.all(cursor, this.pageSize)
      ) as Row[];
      for (const row of rows) {
        if (!matches(row[1], row[4])) continue;
        yield toRecordedEvent(row);
        if (--remaining === 0) return;
      }
      if (rows.length < this.pageSize) return;
      const last = rows[rows.length - 1]![0];
      cursor = backwards ? last - 1 : last + 1;
    }
  }

  /**
   * Walks the `(stream, revision)` index, so each page is one index seek; the partition is a test
   * on the index's own column, so rows of other partitions are never read from the table.
   */
  async *readAllByStream(options: ReadByStreamOptions): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    const upTo = Number(options.upTo.commit);
    const { first, next } = this.byStreamStatements(options.partition ?? { index: 0, count: 1 });
    let rows = first.all(upTo, this.pageSize) as Row[];
    for (;;) {
      for (const row of rows) if (!isSystemEvent(row[1], row[4])) yield toRecordedEvent(row);
      if (rows.length < this.pageSize) return;
      // Closed mid-read: the store's own error, never an early end (a fold must not take part of history for all of it).
      this.assertOpen();
      const last = rows[rows.length - 1]!;
      rows = next.all(last[1], last[2], upTo, this.pageSize) as Row[];
    }
  }

  private byStreamStatements(partition: StreamPartition) {
    const key = `${partition.index}/${partition.count}`;
    let statements = this.byStream.get(key);
    if (!statements) {
      const where = partitionCondition(partition);
      const select = `SELECT ${COLUMNS} FROM events INDEXED BY events_by_stream`;
      const order = 'ORDER BY stream, revision LIMIT ?';
      statements = {
        first: this.db.prepare(`${select} WHERE position <= ?${where} ${order}`).raw(),
        next: this.db.prepare(`${select} WHERE (stream, revision) > (?, ?) AND position <= ?${where} ${order}`).raw(),
      };
      this.byStream.set(key, statements);
    }
    return statements;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const from = options.fromPosition ?? 'start';
    const after =
      from === 'start' ? 0 : from === 'end' ? (this.statements.lastPosition.get() as number) : Number(from.commit);
    return new SqliteSubscription(this, after, eventMatcher(options.filter));
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.statements.lastPosition.get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.signal.close();
    this.db.close();
  }

  /** @internal Rows after a position, for subscriptions. */
  pageAfter(position: number): Row[] {
    return this.statements.allForwards.all(position + 1, this.pageSize) as Row[];
  }

  /** @internal Resolves at the next commit seen by this process, or after `maxWaitMs`. */
  waitForCommit(maxWaitMs: number): { promise: Promise<void>; cancel: () => void } {
    return this.signal.wait(maxWaitMs);
  }

  /** @internal */
  get isClosed(): boolean {
    return this.closed;
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.writeBatch.immediate(batch);
    } catch (error) {
      // The whole transaction rolled back (disk full, lock timeout, ...): nothing was written.
      for (const append of batch) append.reject(error);
      return;
    }
    let wroteAny = false;
    outcomes.forEach((outcome, index) => {
      const append = batch[index]!;
      if (outcome.ok) {
        wroteAny = true;
        append.resolve(outcome.result);
      } else {
        append.reject(outcome.error);
      }
    });
    if (wroteAny) this.signal.notify();
  }

  /** Runs inside the batch transaction: checks one append's expected revision, then writes it. */
  private writeOne(append: PendingAppend): Outcome {
    const head = this.statements.head.get(append.stream) as number | null;
    const actual = head === null ? 'no_stream' : BigInt(head);
    if (!expectationHolds(append.expected, actual)) {
      return { ok: false, error: new WrongExpectedVersionError(append.stream, append.expected, actual) };
    }
    const recordedAt = Date.now();
    let revision = head ?? -1;
    let position = 0;
    for (const event of append.events) {
      revision += 1;
      const info = this.statements.insert.run(
        append.stream,
        revision,
        event.id,
        event.type,
        event.data,
        event.metadata,
        recordedAt,
      );
      position = Number(info.lastInsertRowid);
    }
    const at = BigInt(position);
    return { ok: true, result: { nextExpectedRevision: BigInt(revision), position: { commit: at, prepare: at } } };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event store is closed');
  }
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

/** The partition as SQL on the stream name (the characters are hex digits: nothing to escape). */
function partitionCondition(partition: StreamPartition): string {
  if (partition.count === 1) return '';
  const { chars, othersChars, takesOthers } = partitionCharacters(partition);
  const list = (of: readonly string[]) => of.map((char) => `'${char}'`).join(', ');
  return takesOthers
    ? ` AND substr(stream, -1) NOT IN (${list(othersChars)})`
    : ` AND substr(stream, -1) IN (${list(chars)})`;
}

function toRecordedEvent(row: Row): RecordedEvent {
  const position = BigInt(row[0]);
  return {
    id: row[3],
    type: row[4],
    stream: row[1],
    revision: BigInt(row[2]),
    position: { commit: position, prepare: position },
    data: JSON.parse(row[5]),
    metadata: JSON.parse(row[6]),
    recordedAt: new Date(row[7]),
  };
}

/**
 * Reads history page by page after a position, then waits for commits and reads on. History and
 * live are the same loop over "rows after the last position delivered", so the hand-over can
 * neither skip nor repeat an event.
 */
class SqliteSubscription implements Subscription {
  private stopped = false;
  private cancelWait: (() => void) | undefined;

  constructor(
    private readonly store: SqliteEventStore,
    private after: number,
    private readonly matches: (stream: string, type: string) => boolean,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this.run();
  }

  async unsubscribe(): Promise<void> {
    this.stopped = true;
    this.cancelWait?.();
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    try {
      while (!this.stopped && !this.store.isClosed) {
        const rows = this.store.pageAfter(this.after);
        for (const row of rows) {
          this.after = row[0];
          if (this.matches(row[1], row[4])) yield toRecordedEvent(row);
          if (this.stopped) return;
        }
        if (rows.length > 0) continue;
        // Caught up: wait for a commit. Registering the waiter happens synchronously after the
        // empty read, so a commit by this process cannot slip between them; one by another
        // process is caught by the data_version poll, and the timeout is a last resort.
        const { promise, cancel } = this.store.waitForCommit(1000);
        this.cancelWait = cancel;
        await promise;
        this.cancelWait = undefined;
      }
    } finally {
      this.stopped = true;
    }
  }
}
