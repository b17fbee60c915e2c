/**
 * The event store port: the one interface every adapter (embedded SQLite, EventStoreDB) implements,
 * and the one shared contract suite (`testing/event-store.contract.ts`) checks.
 *
 * Semantics follow EventStoreDB's so the two adapters are interchangeable:
 * - revisions count from 0 within a stream; positions are the global order of `$all`;
 * - `readAll` from a position includes the event at that position, `subscribeToAll` from a
 *   position starts after it (so a stored checkpoint is resumed without repeating it);
 * - events whose type or stream starts with `$` are the store's own and never reach callers
 *   of `readAll` or `subscribeToAll`.
 */
import type { StreamPartition } from './partition';
import type { FieldSeal } from './sealed-values';

/** A position in the global log (`$all`). The embedded store uses the same number for both parts. */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/**
 * What the writer believes about the stream: it does not exist yet, it exists (any revision),
 * anything at all, or it is at exactly this revision.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

/** An event to append. `id` is a UUID; one is generated when absent. Data and metadata must be JSON. */
export interface EventData {
  readonly id?: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: unknown;
  /**
   * Fields of `data` the store seals as it writes the event (`sealed-values.ts`): what is stored,
   * chained and read back holds their sealed values, never the plain ones. Needs `id` (the
   * ciphertext is bound to it). A seal whose field is missing or already sealed, or whose key is
   * not 32 bytes, is refused before anything is written.
   */
  readonly seal?: readonly FieldSeal[];
}

/** An event as the store recorded it. */
export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly stream: string;
  readonly revision: bigint;
  readonly position: Position;
  readonly data: unknown;
  /** The metadata as written, without the chain hash the store added to it. */
  readonly metadata: unknown;
  readonly recordedAt: Date;
  /**
   * The event's chain hash (hex SHA-256 of the previous event's hash and this event's canonical
   * bytes as stored, `@app/audit`), which the store keeps in the stored metadata; absent for an
   * event written before the store chained events.
   */
  readonly chainHash?: string;
}

export interface AppendOptions {
  /** Defaults to `'any'`. */
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** The revision of the last event written: pass it as `expectedRevision` next time. */
  readonly nextExpectedRevision: bigint;
  /** The global position of the last event written. */
  readonly position: Position;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  readonly direction?: Direction;
  /** Inclusive. Defaults to `'start'` forwards and `'end'` backwards. */
  readonly fromRevision?: bigint | 'start' | 'end';
  readonly maxCount?: number;
}

/**
 * A server-side filter on `$all`, shaped like EventStoreDB's: one of stream name or event type,
 * by prefixes or by a regular expression.
 */
export type EventFilter =
  | { readonly on: 'streamName' | 'eventType'; readonly prefixes: readonly string[] }
  | { readonly on: 'streamName' | 'eventType'; readonly regex: string };

export interface ReadAllOptions {
  readonly direction?: Direction;
  /** Inclusive. Defaults to `'start'` forwards and `'end'` backwards. */
  readonly fromPosition?: Position | 'start' | 'end';
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

export interface ReadByStreamOptions {
  /** Inclusive: events after this position are left out. */
  readonly upTo: Position;
  /** Only the streams of this partition (default every stream). */
  readonly partition?: StreamPartition;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the subscription delivers events after this position. Defaults to `'start'`. */
  readonly fromPosition?: Position | 'start' | 'end';
  readonly filter?: EventFilter;
}

/**
 * A catch-up subscription: it delivers the history after `fromPosition`, then goes live, with
 * no gap and no repeat at the hand-over. Iterate it with `for await`; leaving the loop, or
 * calling `unsubscribe`, ends it.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  unsubscribe(): Promise<void>;
}

export interface EventStore {
  /**
   * Appends events to a stream atomically, if `expectedRevision` holds; otherwise throws
   * `WrongExpectedVersionError` and writes nothing. Resolves only once the events are durable.
   */
  append(stream: string, events: readonly EventData[], options?: AppendOptions): Promise<AppendResult>;

  /** Reads a stream; a stream that does not exist reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** Reads the global log in order, page by page, without holding it all in memory. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  /**
   * Reads `$all` up to a position grouped by stream: a stream's events together and in order,
   * streams in no particular order. For a fold that needs each stream's events in order but not
   * the order between streams (a rebuild). Page by page, without holding it all in memory.
   */
  readAllByStream(options: ReadByStreamOptions): AsyncIterable<RecordedEvent>;

  subscribeToAll(options?: SubscribeToAllOptions): Subscription;

  /** Resolves when the store answers; rejects when it does not (used by `/health`). */
  ping(): Promise<void>;

  close(): Promise<void>;

  /** Which adapter this is, for logs and `/health`. */
  readonly description: string;
}
