/**
 * `Streams.Read`: one request, a stream of responses. Without `subscription` it is a finite read
 * of a stream or of `$all`; with it, a catch-up subscription that walks the log from its start
 * point and, on reaching the end, waits for the next append. History and live events come from
 * the same walk over the same array, so the hand-over has no gap and no repeat by construction.
 *
 * Start points, as EventStoreDB treats them:
 * - reading a stream from a revision includes that revision, in either direction;
 * - reading `$all` forwards from a position includes the event at it ("pre-position");
 * - reading `$all` backwards from a position returns only events *before* it: EventStoreDB's
 *   `ReadAllEventsBackward` takes a post-position (pointer after the end of a record) and the
 *   gRPC layer passes the client's position straight through;
 * - a subscription from a revision or position starts *after* it, so a checkpoint resumes cleanly.
 *
 * A subscription sends `confirmation` first and `caught_up` once it reaches the end of the log,
 * as current servers do; `fell_behind` never applies (there is no live buffer to overflow).
 */
import { randomUUID } from 'node:crypto';
import { status, type handleServerStreamingCall, type ServerWritableStream } from '@grpc/grpc-js';
import { ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import type { EventLog, StoredEvent } from './log';
import { rpcError, streamIdentifier, streamNameOf, uuidMessage } from './wire';

type Call = ServerWritableStream<ReadReq, ReadResp>;
type From = 'start' | 'end' | bigint;
type Source =
  | { readonly kind: 'stream'; readonly name: string; readonly from: From }
  | { readonly kind: 'all'; readonly from: From };

interface Filter {
  readonly matches: (event: StoredEvent) => boolean;
  /** Events looked at (matching or not) between two checkpoint messages. */
  readonly checkpointInterval: number;
}

/** EventStoreDB's page size, which is also its search window when the client sends `count`. */
const DEFAULT_SEARCH_WINDOW = 32;

export function readHandler(log: EventLog): handleServerStreamingCall<ReadReq, ReadResp> {
  return (call) => {
    const options = call.request.getOptions();
    const source = options && sourceOf(options);
    if (!options || !source) {
      call.emit('error', rpcError(status.INVALID_ARGUMENT, undefined, 'A read needs a stream or $all and a start'));
      return;
    }
    if (source.kind === 'stream' && options.hasFilter()) {
      // EventStoreDB filters `$all` only; any other combination is RpcExceptions.InvalidCombination.
      call.emit('error', rpcError(status.INVALID_ARGUMENT, undefined, 'Filters apply to $all only'));
      return;
    }
    let filter: Filter | undefined;
    try {
      filter = filterOf(options);
    } catch (error) {
      call.emit('error', rpcError(status.INVALID_ARGUMENT, undefined, `Invalid filter: ${(error as Error).message}`));
      return;
    }
    // Structured unless the client asks for strings (it does): the server's own default.
    const structuredUuids = !(options.getUuidOption()?.hasString() ?? false);
    const toResponse = (event: StoredEvent) => eventResponse(event, structuredUuids);

    const served = options.hasSubscription()
      ? subscribe(call, log, source, filter, toResponse)
      : options.hasCount()
        ? read(call, log, source, options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS, {
            count: BigInt(options.getCount()),
            filter,
            toResponse,
          })
        : Promise.reject(new Error('A read needs a count or subscription options'));
    served.catch((error: unknown) => call.emit('error', rpcError(status.INTERNAL, undefined, String(error))));
  };
}

async function read(
  call: Call,
  log: EventLog,
  source: Source,
  backwards: boolean,
  {
    count,
    filter,
    toResponse,
  }: { count: bigint; filter: Filter | undefined; toResponse: (e: StoredEvent) => ReadResp },
): Promise<void> {
  const next = readCursor(log, source, backwards);
  if (next === 'stream_not_found') {
    // A message, not a gRPC error: the client's ReadStream turns it into StreamNotFoundError.
    const name = source.kind === 'stream' ? source.name : '';
    await send(
      call,
      new ReadResp().setStreamNotFound(new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(name))),
    );
  } else {
    let sent = 0n;
    for (let event = next(); event && sent < count && !call.cancelled; event = next()) {
      if (filter && !filter.matches(event)) continue;
      await send(call, toResponse(event));
      sent++;
    }
  }
  if (!call.cancelled) call.end();
}

async function subscribe(
  call: Call,
  log: EventLog,
  source: Source,
  filter: Filter | undefined,
  toResponse: (e: StoredEvent) => ReadResp,
): Promise<void> {
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const stopListening = log.onAppend(notify);
  call.once('cancelled', notify);
  try {
    // The start ('end' especially) is fixed before confirming: what is appended after the
    // confirmation is delivered, whatever sending it takes.
    const next = subscriptionCursor(log, source);
    await send(
      call,
      new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())),
    );
    let looked = 0;
    let caughtUp = false;
    while (!call.cancelled) {
      const event = next();
      if (!event) {
        if (!caughtUp) {
          caughtUp = true;
          await send(call, new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
          continue; // sending may have yielded to appends: look again before sleeping
        }
        // Sleep until an append (or the client leaving). Nothing can run between `next()`
        // finding nothing and `wake` being set, so no append is missed.
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (!filter || filter.matches(event)) await send(call, toResponse(event));
      if (filter && filter.checkpointInterval > 0 && ++looked % filter.checkpointInterval === 0) {
        const position = String(event.position);
        await send(
          call,
          new ReadResp().setCheckpoint(
            new ReadResp.Checkpoint().setCommitPosition(position).setPreparePosition(position),
          ),
        );
      }
    }
  } finally {
    stopListening();
  }
}

/** A function returning the next event of a finite read, or 'stream_not_found'. */
function readCursor(
  log: EventLog,
  source: Source,
  backwards: boolean,
): (() => StoredEvent | undefined) | 'stream_not_found' {
  if (source.kind === 'stream') {
    const events = log.stream(source.name);
    if (!events) return 'stream_not_found';
    const { from } = source;
    const last = events.length - 1;
    if (backwards) return walk(events, from === 'end' ? last : from === 'start' ? 0 : Math.min(Number(from), last), -1);
    return walk(events, from === 'end' ? events.length : from === 'start' ? 0 : Number(from), 1);
  }
  const { from } = source;
  const events = log.all;
  if (backwards) {
    return walk(events, from === 'end' ? events.length - 1 : from === 'start' ? -1 : log.indexAtOrAfter(from) - 1, -1);
  }
  return walk(events, from === 'end' ? events.length : from === 'start' ? 0 : log.indexAtOrAfter(from), 1);
}

function walk(events: readonly StoredEvent[], start: number, step: 1 | -1): () => StoredEvent | undefined {
  let index = start;
  return () => {
    const event = index >= 0 ? events[index] : undefined;
    if (event) index += step;
    return event;
  };
}

/** A function returning the next event after the subscription's start, as the log grows. */
function subscriptionCursor(log: EventLog, source: Source): () => StoredEvent | undefined {
  const { from } = source;
  if (source.kind === 'stream') {
    const { name } = source;
    let revision = from === 'start' ? 0 : from === 'end' ? (log.stream(name)?.length ?? 0) : Number(from) + 1;
    return () => {
      const event = log.stream(name)?.[revision];
      if (event) revision++;
      return event;
    };
  }
  return walk(log.all, from === 'start' ? 0 : from === 'end' ? log.all.length : log.indexAtOrAfter(from + 1n), 1);
}

function sourceOf(options: ReadReq.Options): Source | undefined {
  const stream = options.getStream();
  if (stream) {
    const name = streamNameOf(stream.getStreamIdentifier());
    const Case = ReadReq.Options.StreamOptions.RevisionOptionCase;
    const from = ((): From | undefined => {
      switch (stream.getRevisionOptionCase()) {
        case Case.START:
          return 'start';
        case Case.END:
          return 'end';
        case Case.REVISION:
          return BigInt(stream.getRevision());
        default:
          return undefined;
      }
    })();
    return name && from !== undefined ? { kind: 'stream', name, from } : undefined;
  }
  const all = options.getAll();
  if (!all) return undefined;
  const Case = ReadReq.Options.AllOptions.AllOptionCase;
  switch (all.getAllOptionCase()) {
    case Case.START:
      return { kind: 'all', from: 'start' };
    case Case.END:
      return { kind: 'all', from: 'end' };
    case Case.POSITION:
      // Commit and prepare are the same number in this log; the commit position orders it.
      return { kind: 'all', from: BigInt(all.getPosition()!.getCommitPosition()) };
    default:
      return undefined;
  }
}

/**
 * The server-side filter: on stream name or event type, by a regular expression (unanchored,
 * like .NET's Regex.IsMatch) or, when there is none, by prefixes. Checkpoints come every
 * `checkpointIntervalMultiplier × search window` events looked at, as EventStoreDB counts them.
 */
function filterOf(options: ReadReq.Options): Filter | undefined {
  const filter = options.getFilter();
  if (!filter) return undefined;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (!expression) throw new Error('a filter needs a stream identifier or event type expression');
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const test = (value: string) => (regex ? regex.test(value) : prefixes.some((prefix) => value.startsWith(prefix)));
  const window =
    filter.getWindowCase() === ReadReq.Options.FilterOptions.WindowCase.MAX ? filter.getMax() : DEFAULT_SEARCH_WINDOW;
  return {
    matches: (event) => test(onStream ? event.stream : event.type),
    checkpointInterval: filter.getCheckpointintervalmultiplier() * window,
  };
}

function eventResponse(event: StoredEvent, structuredUuids: boolean): ReadResp {
  const position = String(event.position);
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(event.id, structuredUuids))
    .setStreamIdentifier(streamIdentifier(event.stream))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(position)
    .setPreparePosition(position)
    .setData(event.data)
    .setCustomMetadata(event.metadata);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  // .NET ticks (100 ns) since the Unix epoch: the client's convertGrpcEvent divides by 10 000.
  metadata.set('created', String(BigInt(event.created) * 10_000n));
  return new ReadResp().setEvent(new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(position));
}

/** Writes one message, waiting for the transport to drain when its buffer is full. */
function send(call: Call, message: ReadResp): Promise<void> {
  if (call.cancelled || call.write(message)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}
