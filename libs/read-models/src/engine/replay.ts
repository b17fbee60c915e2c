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
/** Redis commands per pipeline. */
const PIPELINE_SIZE = 1_000;

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
  // One write in flight while the next batch is folded.
  let writing: Promise<void> = Promise.resolve();
  let events = 0;
  let lastReport = Date.now();
  // Counters add up over the whole replay and are written once at its end.
  const counters = instances.map(() => new CounterDeltas());
  const apply = async (batch: ProjectedEvent[]): Promise<ReplayFailure[]> => {
    const prepared: PreparedBatch[] = [];
    for (const [index, instance] of instances.entries())
      prepared.push(await instance.prepare(batch, redis, counters[index]));
    await writing;
    writing = sink(prepared.flatMap((each) => each.commands));
    // Awaited with the next batch; until then a failure must not count as unhandled.
    writing.catch(() => undefined);
    // The cache may hold these states now: nobody reads them back before the write lands.
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
      await writing;
      writing = sink(counters.flatMap((deltas) => deltas.commands(options.prefix)));
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
  for (let start = 0; start < commands.length; start += PIPELINE_SIZE) {
    const pipeline = redis.pipeline();
    for (const [name, ...args] of commands.slice(start, start + PIPELINE_SIZE)) pipeline.call(name, ...args);
    sent.push(pipeline.exec().then(throwOnError));
  }
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
