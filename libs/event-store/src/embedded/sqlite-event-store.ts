import { mkdirSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import type Database from 'better-sqlite3';
import { splitChainHash } from '@app/audit/chain';
import { WrongExpectedVersionError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventData,
  EventStore,
  ReadAllOptions,
  ReadByStreamOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store.port';
import { eventMatcher, isSystemEvent } from '../filter';
import { partitionCharacters, type StreamPartition } from '../partition';
import { serializeEvents } from '../serialize-events';
import { batchCommitter, openDatabase, type AppendOutcome, type AppendRequest } from './commit-batch';
import { CommitSignal } from './commit-signal';
import { migrate } from './schema';
import { ThreadedCommits } from './threaded-commits';

export interface SqliteEventStoreOptions {
  /** How long a write waits for another process's write transaction to finish. */
  readonly busyTimeoutMs?: number;
  /** How often a waiting live subscriber looks for commits made by other processes. */
  readonly crossProcessPollMs?: number;
  /** Rows read per query by `readAll` and subscriptions. */
  readonly pageSize?: number;
  /**
   * Commit on a thread of its own (`threaded-commits.ts`), so the event loop serves requests
   * while a commit waits for its fsync, and the appends that arrive meanwhile make the next
   * batch. The servers turn it on; off, commits run on the caller's thread.
   */
  readonly commitThread?: boolean;
  /**
   * Chain each event to its stream's previous one (a hash in its metadata, `@app/audit`): the
   * default. `false` is for bench/event-store's baseline only: what it writes does not verify.
   */
  readonly hashChain?: boolean;
}

/** An event's stored text as the embedded store keeps it, for verifying the chains without parsing. */
export interface StoredEventText {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  /** Canonical JSON, as written. */
  readonly data: string;
  /** Canonical JSON with the chain hash appended (`withChainHash`), as written. */
  readonly metadata: string;
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

interface PendingAppend extends AppendRequest {
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

const COLUMNS = 'position, stream, revision, event_id, type, data, metadata, recorded_at';
/** Rows per query of `storedEvents`: pages of 10,000 made the young generation overflow (GC took a third of the pass). */
const STORED_PAGE = 1000;
type StoredRow = [position: number, stream: string, revision: number, type: string, data: string, metadata: string];
const LAST = Number.MAX_SAFE_INTEGER;

/**
 * The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, so an append
 * resolves only once its transaction is on disk.
 *
 * Appends are committed together in one transaction (group commit): those that arrive in the
 * same turn of the event loop, and, with `commitThread`, all that arrive while the previous batch
 * is being committed. One fsync for many writers, each append still checked against its own
 * expected revision, a failing one leaving the others to commit. Several processes may open
 * the same file; SQLite serialises their write transactions, and the global position (an
 * AUTOINCREMENT key assigned inside that single-writer transaction) is therefore never seen with
 * a gap that a later commit fills, which is what lets subscriptions simply read "after position".
 */
export class SqliteEventStore implements EventStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly signal: CommitSignal;
  private readonly pageSize: number;
  private readonly chained: boolean;
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Commits on this thread, or on a thread of its own (`commitThread`). */
  private readonly commitHere: ((batch: readonly AppendRequest[]) => AppendOutcome[]) | undefined;
  private readonly commitThread: ThreadedCommits | undefined;
  /** The batch the commit thread is committing. */
  private inFlight: Promise<void> | undefined;

  private readonly statements: {
    streamForwards: Database.Statement<[string, number, number]>;
    streamBackwards: Database.Statement<[string, number, number]>;
    allForwards: Database.Statement<[number, number]>;
    allBackwards: Database.Statement<[number, number]>;
    lastPosition: Database.Statement<[]>;
    storedForwards: Database.Statement<[number, number]>;
  };
  private readonly byStream = new Map<string, { first: Database.Statement; next: Database.Statement }>();

  constructor(
    readonly file: string,
    options: SqliteEventStoreOptions = {},
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.description = `embedded SQLite event store at ${file}`;
    this.pageSize = options.pageSize ?? 1000;
    this.chained = options.hashChain ?? true;
    const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    this.db = openDatabase(file, busyTimeoutMs);
    migrate(this.db);

    const db = this.db;
    this.statements = {
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
      storedForwards: db
        .prepare(
          'SELECT position, stream, revision, type, data, metadata FROM events WHERE position >= ? ORDER BY position LIMIT ?',
        )
        .raw(),
    };
    // A second connection to ':memory:' would be another database: in memory, commits stay here.
    if (options.commitThread && file !== ':memory:') {
      this.commitThread = new ThreadedCommits({ file, busyTimeoutMs, chained: this.chained });
    } else {
      this.commitHere = batchCommitter(db, this.chained);
    }
    this.signal = new CommitSignal(() => this.db.pragma('data_version', { simple: true }) as number, {
      pollMs: options.crossProcessPollMs ?? 20,
      ...(file === ':memory:' ? {} : { channel: `marac-event-store-commits:${resolvePath(file)}` }),
    });
  }

  async append(stream: string, events: readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    if (!stream) throw new TypeError('A stream name is required');
    // Checked and serialised before queueing, so a bad event fails only its own append. Fields
    // to seal are sealed by the commit thread, when there is one.
    const serialized = serializeEvents(events, this.chained, this.commitThread === undefined);
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

  /**
   * Every event's stored text in `$all` order (system events included), page by page: what
   * `audit:verify` hashes, without the parse and re-serialisation of `readAll`.
   */
  *storedEvents(): Generator<StoredEventText> {
    this.assertOpen();
    const page = STORED_PAGE;
    let cursor = 0;
    for (;;) {
      const rows = this.statements.storedForwards.all(cursor, page) as StoredRow[];
      for (const [position, stream, revision, type, data, metadata] of rows) {
        yield { position, stream, revision, type, data, metadata };
      }
      if (rows.length < page) return;
      this.assertOpen();
      cursor = rows[rows.length - 1]![0] + 1;
    }
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

  /** Commits what is pending (new appends and reads are refused from the call on), then closes. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.closing = (async () => {
        for (this.flush(); this.inFlight; this.flush()) await this.inFlight;
        await this.commitThread?.close();
        this.signal.close();
        this.db.close();
      })();
    }
    return this.closing;
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

  /**
   * Commits the pending appends as one batch: here, at once; on the commit thread, unless a batch
   * is in flight there, in which case they wait for it and then go together.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    if (this.commitHere) {
      let outcomes: AppendOutcome[];
      try {
        outcomes = this.commitHere(batch);
      } catch (error) {
        // The whole transaction rolled back (disk full, lock timeout, ...): nothing was written.
        for (const append of batch) append.reject(error);
        return;
      }
      this.settle(batch, outcomes);
      return;
    }
    this.inFlight = this.commitThread!.commit(batch).then(
      (outcomes) => this.settle(batch, outcomes),
      (error: unknown) => {
        for (const append of batch) append.reject(error);
      },
    );
    void this.inFlight.then(() => {
      this.inFlight = undefined;
      this.flush();
    });
  }

  private settle(batch: readonly PendingAppend[], outcomes: readonly AppendOutcome[]): void {
    let wroteAny = false;
    outcomes.forEach((outcome, index) => {
      const append = batch[index]!;
      if (outcome.ok) {
        wroteAny = true;
        const position = { commit: outcome.position, prepare: outcome.position };
        append.resolve({ nextExpectedRevision: outcome.revision, position });
      } else {
        append.reject(new WrongExpectedVersionError(append.stream, append.expected, outcome.actual));
      }
    });
    if (wroteAny) this.signal.notify();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event store is closed');
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

/** The event as readers see it: the chain hash beside the metadata, never in it. */
function toRecordedEvent(row: Row): RecordedEvent {
  const position = BigInt(row[0]);
  const { metadataJson, chainHash } = splitChainHash(row[6]);
  return {
    id: row[3],
    type: row[4],
    stream: row[1],
    revision: BigInt(row[2]),
    position: { commit: position, prepare: position },
    data: JSON.parse(row[5]),
    metadata: JSON.parse(metadataJson),
    recordedAt: new Date(row[7]),
    chainHash,
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
