import type Redis from 'ioredis';
import { formatPosition, type EventStore, type Position, type StreamPartition } from '@app/event-store';
import { projectionKeys } from './keys';
import { CounterDeltas, type Command } from './outputs-diff';
import type { ProjectedEvent, Projection, ReadModelOutputs } from './projection';
import { toProjectedEvent } from './projected-event';

export interface HistoryFoldOptions {
  /** The generation's key prefix: a generation nobody reads yet. */
  readonly prefix: string;
  /** Fold the events up to this position (inclusive). */
  readonly head: Position;
  /** Only the streams of this partition (one worker's share of a parallel fold). */
  readonly partition?: StreamPartition;
  /** Streams folded between two writes to Redis. */
  readonly streamsPerWrite?: number;
  /** Called about once a second with the number of events folded so far. */
  readonly progress?: (events: number) => void;
  /**
   * Where the commands go: Redis, pipelined, unless told otherwise. The benchmark passes one that
   * only counts them, to show what the fold costs without the Redis client and server.
   */
  readonly sink?: (commands: Iterable<Command>) => Promise<void>;
}

/** Where a projection could not go on: the event it refused, or the entity whose outputs failed. */
export interface FoldFailure {
  readonly projection: string;
  readonly error: string;
  readonly position?: string;
  readonly stream?: string;
  readonly eventType?: string;
  readonly entity?: string;
}

export interface HistoryFoldResult {
  /** Events folded. */
  readonly events: number;
  /** Empty when every event up to the head was folded and written. */
  readonly failures: readonly FoldFailure[];
}

/** Streams folded between two writes, unless told otherwise (a few MB of commands). */
const STREAMS_PER_WRITE = 1_000;
/** Redis commands per pipeline. */
const PIPELINE_SIZE = 1_000;
/** Keys (or members) per multi-key command. */
const PER_COMMAND = 500;
/** Events folded between two turns of the event loop (Redis replies, timers, progress). */
const EVENTS_PER_TURN = 10_000;

class FoldFailed extends Error {
  constructor(readonly failure: FoldFailure) {
    super(failure.error);
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One projection folded over history read stream by stream: an entity is named by its stream
 * alone (`Projection.entityOf`), so each entity's events arrive together; its state is folded,
 * its outputs and state written once, and the state forgotten. Nothing is diffed and nothing
 * read back: the generation is new and nobody reads it yet.
 */
class StreamFold<State> {
  private entity: string | undefined;
  private state: State | undefined;
  /** Entities already written: one seen again means two streams name it (or one stream two). */
  private readonly written = new Set<string>();
  private readonly keys: ReturnType<typeof projectionKeys>;

  constructor(
    private readonly projection: Projection<State>,
    private readonly prefix: string,
  ) {
    this.keys = projectionKeys(prefix, projection.name);
  }

  add(event: ProjectedEvent): void {
    const { projection } = this;
    const entity = projection.entityOf(event);
    if (entity === undefined) return;
    if (entity !== this.entity) {
      if (this.entity !== undefined || this.written.has(entity)) {
        throw new FoldFailed({
          ...failureAt(projection, event),
          error: `${entity} is not named by stream ${event.stream} alone: a rebuild folds stream by stream`,
        });
      }
      this.entity = entity;
      this.state = projection.initialState;
    }
    try {
      this.state = projection.evolve(this.state!, event);
    } catch (error) {
      throw new FoldFailed({ ...failureAt(projection, event), error: messageOf(error) });
    }
  }

  /** The stream has ended: its entity's outputs and state go into `writes`. */
  finish(writes: Writes): void {
    const { entity, state } = this;
    if (entity === undefined) return;
    this.entity = undefined;
    this.state = undefined;
    this.written.add(entity);
    let outputs: ReadModelOutputs;
    try {
      outputs = this.projection.outputs(entity, state!);
    } catch (error) {
      throw new FoldFailed({ projection: this.projection.name, error: messageOf(error), entity });
    }
    writes.addOutputs(this.prefix, outputs);
    writes.set(this.keys.state(entity), JSON.stringify(state));
  }
}

const failureAt = (projection: Projection, event: ProjectedEvent) => ({
  projection: projection.name,
  position: formatPosition(event.position),
  stream: event.stream,
  eventType: event.type,
});

/**
 * Folds every projection over the history up to `head`, stream by stream, into a generation
 * nobody reads: each entity's outputs and state are written once, in pipelined multi-key
 * commands, and counters once at the end. No checkpoints: the caller writes them at `head` once
 * every partition is in. The first event a projection cannot handle ends the fold, named in the
 * result; what was written by then is the caller's to delete.
 */
export async function foldHistory(
  store: EventStore,
  redis: Redis,
  projections: readonly Projection[],
  options: HistoryFoldOptions,
): Promise<HistoryFoldResult> {
  const folds = projections.map((projection) => new StreamFold(projection, options.prefix));
  const streamsPerWrite = options.streamsPerWrite ?? STREAMS_PER_WRITE;
  const counters = new CounterDeltas();
  let writes = new Writes(counters);
  let streams = 0;
  let events = 0;
  let sinceTurn = 0;
  let lastReport = Date.now();
  // One write in flight while the next streams are folded.
  let writing: Promise<void> = Promise.resolve();
  const sink = options.sink ?? ((commands: Iterable<Command>) => write(redis, commands));
  const send = async (commands: Iterable<Command>) => {
    await writing;
    writing = sink(commands);
    // Awaited at the next send; until then a failure must not count as unhandled.
    writing.catch(() => undefined);
  };
  let stream: string | undefined;
  try {
    for await (const recorded of store.readAllByStream({ upTo: options.head, partition: options.partition })) {
      if (recorded.stream !== stream) {
        for (const fold of folds) fold.finish(writes);
        stream = recorded.stream;
        if (++streams % streamsPerWrite === 0) {
          await send(writes.commands());
          writes = new Writes(counters);
        }
      }
      const event = toProjectedEvent(recorded);
      for (const fold of folds) fold.add(event);
      events++;
      if (++sinceTurn >= EVENTS_PER_TURN) {
        sinceTurn = 0;
        await new Promise((resolve) => setImmediate(resolve));
        if (options.progress && Date.now() - lastReport >= 1_000) {
          lastReport = Date.now();
          options.progress(events);
        }
      }
    }
    for (const fold of folds) fold.finish(writes);
  } catch (error) {
    await writing.catch(() => undefined);
    if (error instanceof FoldFailed) return { events, failures: [error.failure] };
    throw error;
  }
  await send(writes.commands());
  await send(counters.commands(options.prefix));
  await writing;
  return { events, failures: [] };
}

async function write(redis: Redis, commands: Iterable<Command>): Promise<void> {
  let pipeline = redis.pipeline();
  let queued = 0;
  const sent: Promise<unknown>[] = [];
  for (const [name, ...args] of commands) {
    pipeline.call(name, ...args);
    if (++queued === PIPELINE_SIZE) {
      sent.push(pipeline.exec().then(throwOnError));
      pipeline = redis.pipeline();
      queued = 0;
    }
  }
  if (queued > 0) sent.push(pipeline.exec().then(throwOnError));
  await Promise.all(sent);
}

function throwOnError(results: [Error | null, unknown][] | null): void {
  for (const [error] of results ?? []) if (error) throw error;
}

/** The position of the last event in the store; undefined for an empty store. */
export async function lastPosition(store: Pick<EventStore, 'readAll'>): Promise<Position | undefined> {
  for await (const event of store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 })) {
    return event.position;
  }
  return undefined;
}

/**
 * The outputs of entities written for the first time, as few commands carrying many keys or
 * members. Counter contributions add up in `counters`, written once at the end of the fold.
 */
class Writes {
  private readonly strings: string[] = [];
  /** A sorted set's members and scores. */
  private readonly sortedSets = new Map<string, Map<string, number>>();

  constructor(private readonly counters: CounterDeltas) {}

  set(key: string, value: string): void {
    this.strings.push(key, value);
  }

  /** An entity's outputs: the same member twice in one set keeps the lower score (the earlier due date). */
  addOutputs(prefix: string, outputs: ReadModelOutputs): void {
    for (const key in outputs.documents) this.strings.push(`${prefix}:${key}`, JSON.stringify(outputs.documents[key]));
    for (const [key, member, score] of outputs.members ?? []) {
      const setKey = `${prefix}:${key}`;
      let members = this.sortedSets.get(setKey);
      if (!members) this.sortedSets.set(setKey, (members = new Map<string, number>()));
      const seen = members.get(member);
      if (seen === undefined || score < seen) members.set(member, score);
    }
    for (const [key, field, amount] of outputs.counts ?? []) this.counters.add(key, field, amount);
  }

  *commands(): Generator<Command> {
    yield* inSlices('mset', [], this.strings, 2);
    for (const [key, members] of this.sortedSets) {
      const added: (string | number)[] = [];
      for (const [member, score] of members) added.push(score, member);
      yield* inSlices('zadd', [key], added, 2);
    }
  }
}

/** `name ...head ...args` as commands of at most PER_COMMAND items (`width` arguments each). */
function* inSlices(
  name: string,
  head: readonly string[],
  args: readonly (string | number)[],
  width: number,
): Generator<Command> {
  const step = PER_COMMAND * width;
  for (let start = 0; start < args.length; start += step) {
    yield [name, ...head, ...args.slice(start, start + step)];
  }
}
