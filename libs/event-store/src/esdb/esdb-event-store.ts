import {
  EventStoreDBClient,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
  StreamNotFoundError,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type Filter,
  type JSONEventData,
  type AllStreamRecordedEvent,
  type RecordedEvent as ClientRecordedEvent,
} from '@eventstore/db-client';
import { chainHashOf, GENESIS_HASH, withChainHash, withoutChainHash } from '@app/audit/chain';
import { WrongExpectedVersionError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventData,
  ExpectedRevision,
  EventFilter,
  EventStore,
  Position,
  ReadAllOptions,
  ReadByStreamOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store.port';
import { eventMatcher } from '../filter';
import { partitionRegex } from '../partition';
import { comparePositions } from '../position';
import { serializeEvents, type SerializedEvent } from '../serialize-events';

/** A stream's last event as this adapter last knew it: its revision and chain hash. */
interface StreamHead {
  readonly revision: bigint | 'no_stream';
  readonly hash: string;
}

const NO_STREAM: StreamHead = { revision: 'no_stream', hash: GENESIS_HASH };

/**
 * The production adapter: the same port over `@eventstore/db-client` (EventStoreDB / KurrentDB).
 * The port's vocabulary was taken from this client ('no_stream', 'stream_exists', 'any', 'start',
 * 'end', 'forwards', 'backwards'), so most values pass through unchanged; what is mapped here is
 * the error types, the missing-stream case (the client throws, the port reads it as empty) and
 * filters (the client's `readAll` has none, so it is applied as the events arrive).
 */
export class EventStoreDbEventStore implements EventStore {
  readonly description: string;
  private readonly client: EventStoreDBClient;
  /** The last head of recently written or fully read streams: what the next append chains from. */
  private readonly heads = new Map<string, StreamHead>();
  /** The append in progress on each stream, which the next one to that stream waits for. */
  private readonly appending = new Map<string, Promise<AppendResult>>();

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.description = `EventStoreDB at ${redact(connectionString)}`;
  }

  /**
   * Chains each event to its stream's previous one (a hash in its metadata, `@app/audit`), so it
   * appends at the exact revision it hashed from: the previous event's hash comes from the last
   * head this adapter wrote or read (a small cache), else from reading the stream's last event.
   * If that was stale, the server refuses the append: a caller that expected `'any'` or
   * `'stream_exists'` (an expectation another writer's append leaves true) is retried from a
   * fresh read; one that expected a revision or `'no_stream'` gets the conflict, as without chains.
   * This adapter's own appends to one stream go one after another (each chaining from the head the
   * one before wrote), so only other processes' appends can make a head stale.
   */
  async append(stream: string, events: readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    if (!stream) throw new TypeError('A stream name is required');
    // Fields to seal are sealed here, before chaining: the server gets only their sealed values.
    const checked = serializeEvents(events);
    const stored = events.map((event, index) =>
      event.seal?.length ? { ...event, data: JSON.parse(checked[index]!.data) as unknown } : event,
    );
    const expected = options.expectedRevision ?? 'any';
    const before = this.appending.get(stream);
    const appended = (before ? before.then(noop, noop) : Promise.resolve()).then(() =>
      this.appendChained(stream, stored, checked, expected),
    );
    this.appending.set(stream, appended);
    try {
      return await appended;
    } finally {
      if (this.appending.get(stream) === appended) this.appending.delete(stream);
    }
  }

  private async appendChained(
    stream: string,
    events: readonly EventData[],
    checked: readonly SerializedEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.headFor(stream, expected, attempt === 1);
      if (!expectationHolds(expected, head.revision)) {
        throw new WrongExpectedVersionError(stream, expected, head.revision);
      }
      const { payload, lastHash } = chained(stream, head, events, checked);
      try {
        const result = await this.client.appendToStream(stream, payload, { expectedRevision: head.revision });
        this.remember(stream, { revision: result.nextExpectedRevision, hash: lastHash });
        const position = result.position ?? (await this.lastPositionOf(stream));
        return { nextExpectedRevision: result.nextExpectedRevision, position };
      } catch (error) {
        if (!(error instanceof ClientWrongExpectedVersionError)) throw error;
        this.heads.delete(stream);
        const retry = (expected === 'any' || expected === 'stream_exists') && attempt < APPEND_ATTEMPTS;
        if (!retry) throw new WrongExpectedVersionError(stream, expected, error.actualVersion);
      }
    }
  }

  /**
   * The head to chain from. A cached head is trusted on a first attempt (the server checks it);
   * for an exact expectation the cached head must be that revision, else the stream is read.
   * With no cached head and `'any'`, a new stream is assumed (no read; the server says if not).
   */
  private async headFor(stream: string, expected: ExpectedRevision, firstAttempt: boolean): Promise<StreamHead> {
    if (expected === 'no_stream') return NO_STREAM;
    const cached = firstAttempt ? this.heads.get(stream) : undefined;
    if (cached && (typeof expected !== 'bigint' || cached.revision === expected)) return cached;
    if (firstAttempt && !cached && expected === 'any') return NO_STREAM;
    const [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    const head: StreamHead = last ? { revision: last.revision, hash: last.chainHash ?? GENESIS_HASH } : NO_STREAM;
    if (last) this.remember(stream, head);
    return head;
  }

  private remember(stream: string, head: StreamHead): void {
    this.heads.delete(stream);
    this.heads.set(stream, head);
    // Oldest first in a Map: drop the least recently written or read beyond the bound.
    if (this.heads.size > CACHED_HEADS) this.heads.delete(this.heads.keys().next().value!);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: options.direction ?? 'forwards',
        fromRevision: options.fromRevision ?? (options.direction === 'backwards' ? 'end' : 'start'),
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      });
      for await (const resolved of read) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    // Read to its end: the head a command handler's next append will chain from.
    const last = events[events.length - 1];
    const toTheEnd = options.direction !== 'backwards' && options.maxCount === undefined;
    if (last && toTheEnd && last.chainHash) this.remember(stream, { revision: last.revision, hash: last.chainHash });
    return events;
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const matches = eventMatcher(options.filter);
    let remaining = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (remaining <= 0) return;
    const backwards = options.direction === 'backwards';
    const from = options.fromPosition ?? (backwards ? 'end' : 'start');
    if (backwards && typeof from === 'object') {
      // EventStoreDB reads $all backwards from *before* a position (the server treats it as the end
      // of a record); the port includes the event at the position, as forwards reads do.
      const at = this.client.readAll({ fromPosition: from, maxCount: 1 });
      try {
        for await (const resolved of at) {
          const event = resolved.event;
          if (event?.position && comparePositions(event.position, from) === 0 && matches(event.streamId, event.type)) {
            yield toRecordedEvent(event);
            if (--remaining === 0) return;
          }
        }
      } finally {
        await at.cancel();
      }
    }
    const read = this.client.readAll({ direction: options.direction ?? 'forwards', fromPosition: from });
    try {
      for await (const resolved of read) {
        const event = resolved.event;
        if (!event || !matches(event.streamId, event.type)) continue;
        yield toRecordedEvent(event);
        if (--remaining === 0) return;
      }
    } finally {
      // Leaving a read early without cancelling it leaves a call with unread messages, which
      // client.dispose() then waits for forever.
      await read.cancel();
    }
  }

  /**
   * EventStoreDB has no index of `$all` by stream, so this reads in two passes: `$all` up to the
   * position for the partition's streams and the last revision of each at that position (names
   * only are kept), then each stream up to that revision, a few reads in flight.
   */
  async *readAllByStream(options: ReadByStreamOptions): AsyncGenerator<RecordedEvent> {
    const regex = partitionRegex(options.partition ?? { index: 0, count: 1 });
    const lastRevision = new Map<string, bigint>();
    for await (const event of this.readAll({ filter: { on: 'streamName', regex } })) {
      if (comparePositions(event.position, options.upTo) > 0) break;
      lastRevision.set(event.stream, event.revision);
    }
    const reads: Promise<RecordedEvent[]>[] = [];
    const streams = lastRevision.entries();
    const readNext = () => {
      const next = streams.next();
      if (next.done) return;
      const [stream, last] = next.value;
      const read = this.readStream(stream, { maxCount: Number(last) + 1 });
      read.catch(() => undefined); // awaited in turn below
      reads.push(read);
    };
    for (let i = 0; i < STREAM_READS_IN_FLIGHT; i++) readNext();
    while (reads.length > 0) {
      const events = await reads.shift()!;
      readNext();
      yield* events;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    const subscription = this.client.subscribeToAll({
      fromPosition: options.fromPosition ?? 'start',
      filter: toClientFilter(options.filter),
    });
    // The server filters; the same predicate again drops system events a user filter let through.
    const matches = eventMatcher(options.filter);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const resolved of subscription) {
          const event = resolved.event;
          if (event && matches(event.streamId, event.type)) yield toRecordedEvent(event);
        }
      },
      unsubscribe: () => subscription.unsubscribe(),
    };
  }

  async ping(): Promise<void> {
    const read = this.client.readAll({ maxCount: 1, direction: 'backwards', fromPosition: 'end' });
    try {
      for await (const _ of read) break;
    } finally {
      await read.cancel();
    }
  }

  /**
   * Bounded: the client's dispose waits for every call still open, and one left open (seen under
   * load at shutdown, cause not yet found) would hold the process forever. Appends already
   * acknowledged are durable on the server, so giving up on the wait loses nothing.
   */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.client.dispose(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private async lastPositionOf(stream: string): Promise<Position> {
    const [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    if (!last) throw new Error(`Stream ${stream} has no events after an append`);
    return last.position;
  }
}

/** Attempts of an append whose expectation (`'any'`, `'stream_exists'`) survives another writer's append. */
const APPEND_ATTEMPTS = 20;

/** Streams whose head the adapter keeps, to chain the next append without reading first. */
const CACHED_HEADS = 10_000;

/**
 * The events as the server gets them, chained from `head`: data as JSON (the server keeps the
 * client's text of it; the hash covers its canonical text), metadata as the exact bytes of its
 * canonical text with the chain hash appended.
 */
function chained(
  stream: string,
  head: StreamHead,
  events: readonly EventData[],
  checked: readonly SerializedEvent[],
): { payload: JSONEventData[]; lastHash: string } {
  let previous = head.hash;
  let revision = head.revision === 'no_stream' ? -1n : head.revision;
  const payload = checked.map((event, index): JSONEventData => {
    revision += 1n;
    previous = chainHashOf(previous, {
      stream,
      revision,
      type: event.type,
      dataJson: event.data,
      metadataJson: event.metadata,
    });
    return {
      id: event.id,
      contentType: 'application/json',
      type: event.type,
      data: events[index]!.data as JSONEventData['data'],
      // Exactly a Uint8Array (not a Buffer): the client sends those bytes as they are.
      metadata: new Uint8Array(Buffer.from(withChainHash(event.metadata, previous), 'utf8')),
    };
  });
  return { payload, lastHash: previous };
}

function noop(): void {}

function expectationHolds(expected: ExpectedRevision, actual: bigint | 'no_stream'): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 'no_stream';
  if (expected === 'stream_exists') return actual !== 'no_stream';
  return actual === expected;
}

/** Stream reads `readAllByStream` keeps in flight. */
const STREAM_READS_IN_FLIGHT = 16;

/** How long `close` waits for the client to finish its open calls. */
const CLOSE_WAIT_MS = 3_000;

function toClientFilter(filter: EventFilter | undefined): Filter {
  if (!filter) return excludeSystemEvents();
  const make = filter.on === 'streamName' ? streamNameFilter : eventTypeFilter;
  return 'prefixes' in filter ? make({ prefixes: [...filter.prefixes] }) : make({ regex: filter.regex });
}

/** A position the server did not give (it does for every event read from `$all` and streams). */
const UNKNOWN_POSITION: Position = { commit: -1n, prepare: -1n };

/** The event as readers see it: the chain hash beside the metadata, never in it. */
function toRecordedEvent(event: ClientRecordedEvent | AllStreamRecordedEvent): RecordedEvent {
  const stored = event.metadata instanceof Uint8Array ? decode(event.metadata) : (event.metadata ?? {});
  const { metadata, chainHash } = withoutChainHash(stored);
  return {
    id: event.id,
    type: event.type,
    stream: event.streamId,
    revision: event.revision,
    position: event.position ?? UNKNOWN_POSITION,
    data: event.isJson ? event.data : decode(event.data),
    metadata,
    recordedAt: event.created,
    chainHash,
  };
}

function decode(bytes: unknown): unknown {
  if (!(bytes instanceof Uint8Array)) return bytes;
  const text = Buffer.from(bytes).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function redact(connectionString: string): string {
  return connectionString.replace(/\/\/[^@/]*@/, '//***@');
}
