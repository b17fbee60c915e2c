import type Redis from 'ioredis';
import { formatPosition, type EventStore, type Position, type StreamPartition } from '@app/event-store';
import { CounterDeltas, type Command } from './outputs-diff';
import { ProjectionInstance, type PreparedBatch } from './projection-instance';
import type { ProjectedEvent, Projection } from './projection';
import { toProjectedEvent } from './projected-event';

export interface ReplayOptions {
  /** The generation's key prefix: a generation nobody reads yet. */
  readonly prefix: string;
  /** Replay the events up to this position (inclusive). */
  readonly head: Position;
  /** Only the streams of this partition (one thread's share of a parallel replay). */
  readonly partition?: StreamPartition;
  /** Events folded between two writes to Redis. */
  readonly batchSize?: number;
  /** Called about once a second with the number of events replayed so far. */
  readonly progress?: (events: number) => void;
  /**
   * Where the commands go: Redis, pipelined, unless told otherwise. The benchmark passes one that
   * only counts them, to show what the fold costs without the Redis client and server.
   */
  readonly sink?: (commands: readonly Command[]) => Promise<void>;
}

/** Where a projection could not go on: the event it refused. */
export interface ReplayFailure {
  readonly projection: string;
  readonly error: string;
  readonly position: string;
  readonly stream: string;
  readonly eventType: string;
}

export interface ReplayResult {
  /** Events replayed. */
  readonly events: number;
  /** Empty when every event up to the head was folded and written. */
  readonly failures: readonly ReplayFailure[];
}

/**
 * Events folded between two writes, unless told otherwise: few enough that a batch dies young (at
 * 5,000 the collector took a third of the fold, promoting each batch to the old generation).
 */
const BATCH_SIZE = 500;
/** Batches whose writes go to Redis together (about 5,000 events' worth). */
const BATCHES_PER_WRITE = 10;
/** Redis commands per pipeline. */
const PIPELINE_SIZE = 1_000;
/** Keys (or members) per multi-key command. */
const PER_COMMAND = 500;

/**
 * The history up to `head`, read stream by stream, through the same write path as the live runner
 * (`ProjectionInstance`, here in replay mode): each entity's events arrive together, so each is
 * folded and written about once, and nothing is read back from the new generation. No fence and
 * no checkpoints: the rebuild holds its lock, nobody reads the generation yet, and the caller
 * writes the checkpoints at `head` once every partition is in. The first event a projection cannot
 * handle ends the replay, named in the result; what was written by then is the caller's to delete.
 */
export async function replayHistory(
  store: EventStore,
  redis: Redis,
  projections: readonly Projection[],
  options: ReplayOptions,
): Promise<ReplayResult> {
  const instances = projections.map(
    (projection) => new ProjectionInstance(projection, options.prefix, { replay: true }),
  );
  const sink = options.sink ?? ((commands: readonly Command[]) => write(redis, commands));
  // The writes of several batches go together, one write in flight while the next are folded:
  // a round trip per 500 events left the threads waiting on Redis half the time.
  let writing: Promise<void> = Promise.resolve();
  let pending: Command[] = [];
  let unsent = 0;
  const send = async (commands: Command[]) => {
    await writing;
    writing = sink(commands);
    // Awaited with the next send; until then a failure must not count as unhandled.
    writing.catch(() => undefined);
  };
  let events = 0;
  let lastReport = Date.now();
  // Counters add up over the whole replay and are written once at its end.
  const counters = instances.map(() => new CounterDeltas());
  const apply = async (batch: ProjectedEvent[]): Promise<ReplayFailure[]> => {
    const prepared: PreparedBatch[] = [];
    for (const [index, instance] of instances.entries())
      prepared.push(await instance.prepare(batch, redis, counters[index]));
    // Coalesced batch by batch: within one a key (or set member) is written once, across them not.
    pending.push(...coalesced(prepared.flatMap((each) => each.commands)));
    if (++unsent >= BATCHES_PER_WRITE) {
      await send(pending);
      pending = [];
      unsent = 0;
    }
    // The cache may hold these states now: in replay it holds only the last stream's entities,
    // which it never evicts, so nothing is read back from Redis before its write lands.
    for (const each of prepared) each.commit();
    return prepared.flatMap((each, index) => (each.failure ? [failureOf(instances[index]!, each.failure)] : []));
  };
  let batch: ProjectedEvent[] = [];
  try {
    const batchSize = options.batchSize ?? BATCH_SIZE;
    for await (const recorded of store.readAllByStream({ upTo: options.head, partition: options.partition })) {
      batch.push(toProjectedEvent(recorded));
      if (batch.length < batchSize) continue;
      const failures = await apply(batch);
      events += batch.length;
      batch = [];
      if (failures.length > 0) return { events, failures };
      if (options.progress && Date.now() - lastReport >= 1_000) {
        lastReport = Date.now();
        options.progress(events);
      }
    }
    const failures = await apply(batch);
    events += batch.length;
    if (failures.length === 0) {
      await send(pending);
      await send(counters.flatMap((deltas) => deltas.commands(options.prefix)));
    }
    await writing;
    return { events, failures };
  } finally {
    await writing.catch(() => undefined);
  }
}

const failureOf = (instance: ProjectionInstance, { event, error }: NonNullable<PreparedBatch['failure']>) => ({
  projection: instance.name,
  error,
  position: formatPosition(event.position),
  stream: event.stream,
  eventType: event.type,
});

async function write(redis: Redis, commands: readonly Command[]): Promise<void> {
  const sent: Promise<void>[] = [];
  let pipeline = redis.pipeline();
  for (const [name, ...args] of commands) {
    pipeline.call(name, ...args);
    if (pipeline.length === PIPELINE_SIZE) {
      sent.push(pipeline.exec().then(throwOnError));
      pipeline = redis.pipeline();
    }
  }
  if (pipeline.length > 0) sent.push(pipeline.exec().then(throwOnError));
  await Promise.all(sent);
}

/**
 * One batch's writes as few commands carrying many keys: its SETs as MSETs, its ZADDs to one set as
 * one ZADD. Each Redis command costs the client far more than its arguments do (one per entity
 * output made the rebuild's threads spend more on ioredis than on folding). The order is free: a
 * batch touches each key (or set member) once, an entity's outputs being diffed once per batch.
 */
function* coalesced(commands: readonly Command[]): Generator<Command> {
  const sets: (string | number)[] = [];
  const zadds = new Map<string, (string | number)[]>();
  for (const command of commands) {
    const [name, key, ...args] = command;
    if (name === 'set' && args.length === 1) sets.push(key!, args[0]!);
    else if (name === 'zadd' && args.length === 2) {
      const members = zadds.get(String(key));
      if (members) members.push(...args);
      else zadds.set(String(key), args);
    } else yield command;
  }
  yield* inSlices('mset', [], sets);
  for (const [key, members] of zadds) yield* inSlices('zadd', [key], members);
}

/** `name ...head ...args` in commands of at most PER_COMMAND pairs of arguments. */
function* inSlices(name: string, head: readonly string[], args: readonly (string | number)[]): Generator<Command> {
  for (let start = 0; start < args.length; start += 2 * PER_COMMAND) {
    yield [name, ...head, ...args.slice(start, start + 2 * PER_COMMAND)];
  }
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
