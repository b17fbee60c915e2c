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
import { WrongExpectedVersionError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventData,
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
import { serializeEvents } from '../serialize-events';

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

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.description = `EventStoreDB at ${redact(connectionString)}`;
  }

  async append(stream: string, events: readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    if (!stream) throw new TypeError('A stream name is required');
    const checked = serializeEvents(events);
    const payload: JSONEventData[] = events.map((event, index) => ({
      id: checked[index]!.id,
      contentType: 'application/json',
      type: event.type,
      data: event.data as JSONEventData['data'],
      metadata: (event.metadata ?? {}) as JSONEventData['metadata'],
    }));
    const expectedRevision = options.expectedRevision ?? 'any';
    try {
      const result = await this.client.appendToStream(stream, payload, { expectedRevision });
      const position = result.position ?? (await this.lastPositionOf(stream));
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } catch (error) {
      if (error instanceof ClientWrongExpectedVersionError) {
        throw new WrongExpectedVersionError(stream, expectedRevision, error.actualVersion);
      }
      throw error;
    }
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

function toRecordedEvent(event: ClientRecordedEvent | AllStreamRecordedEvent): RecordedEvent {
  return {
    id: event.id,
    type: event.type,
    stream: event.streamId,
    revision: event.revision,
    position: event.position ?? UNKNOWN_POSITION,
    data: event.isJson ? event.data : decode(event.data),
    metadata: event.metadata instanceof Uint8Array ? decode(event.metadata) : (event.metadata ?? {}),
    recordedAt: event.created,
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
