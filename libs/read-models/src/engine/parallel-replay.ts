import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DeadlinePolicy, RetentionPolicy } from '@app/case-domain';
import { formatPosition, type EventStoreConnection, type Position, type StreamPartition } from '@app/event-store';
import type { Projection } from './projection';
import type { ReplayFailure, ReplayResult } from './replay';

/**
 * What a replay thread opens for itself (the main thread's store, Redis client and projections
 * cannot cross to another thread): the same store and Redis, and the read models' projections
 * under the same deadline and retention policies.
 */
export interface ReplayThreadConfig {
  readonly eventStore: EventStoreConnection;
  readonly redisUrl: string;
  readonly deadlinePolicy: DeadlinePolicy;
  readonly retentionPolicy?: RetentionPolicy;
}

export interface ParallelReplayOptions {
  /** Threads, each replaying the streams of one partition. */
  readonly partitions: number;
  readonly config: ReplayThreadConfig;
  /** Each thread's young generation (a fold makes mostly short-lived garbage). */
  readonly youngGenerationMb?: number;
  /**
   * Each thread's old generation, at most (default 256 MB). A thread keeps alive about 70-90 MB
   * (1M events: at a 96 MB bound the collector took half the rebuild's time, at 200 MB none), but
   * left unbounded it let its heap grow to about 350 MB before collecting: two threads' worth was
   * most of the rebuild's peak RSS (953 MB unbounded, 636 MB at 200 MB).
   */
  readonly heapMb?: number;
}

/** Messages from a replay thread to the thread that started it. */
export type ReplayThreadMessage =
  | { readonly kind: 'progress'; readonly events: number }
  | {
      readonly kind: 'done';
      readonly projections: readonly string[];
      readonly events: number;
      readonly failures: readonly ReplayFailure[];
    };

/** What a replay thread is started with. */
export interface ReplayThreadData {
  readonly config: ReplayThreadConfig;
  readonly prefix: string;
  readonly partition: StreamPartition;
  readonly head: string;
  readonly batchSize?: number;
}

/**
 * `replayHistory` split across worker threads, each replaying the streams of one partition into
 * the same generation through the same engine (an entity is named by its stream, so it belongs to
 * one partition; counters add up whichever partition wrote them). A projection refusing an event
 * ends its partition's replay, and the failures of every partition are returned once all are done;
 * a thread that fails outright (an error, not a refusal) has the others terminated and its error
 * thrown. Each thread needs a core: on this project's 2-core machines, 2 partitions.
 */
export async function replayHistoryInParallel(
  projections: readonly Projection[],
  options: {
    readonly prefix: string;
    readonly head: Position;
    readonly parallel: ParallelReplayOptions;
    readonly batchSize?: number;
    readonly progress?: (events: number) => void;
  },
): Promise<ReplayResult> {
  const count = options.parallel.partitions;
  const replayed = Array.from({ length: count }, () => 0);
  let lastReport = 0;
  const workers: Worker[] = [];
  const running = Promise.all(
    replayed.map((_, index) =>
      runThread(
        {
          config: options.parallel.config,
          prefix: options.prefix,
          partition: { index, count },
          head: formatPosition(options.head),
          batchSize: options.batchSize,
        },
        {
          maxYoungGenerationSizeMb: options.parallel.youngGenerationMb ?? 64,
          maxOldGenerationSizeMb: options.parallel.heapMb ?? 256,
        },
        (worker) => workers.push(worker),
        (events) => {
          replayed[index] = events;
          if (options.progress && Date.now() - lastReport >= 1_000) {
            lastReport = Date.now();
            options.progress(replayed.reduce((a, b) => a + b, 0));
          }
        },
      ),
    ),
  );
  // A thread that failed outright (not a projection refusing an event) ends the others too.
  const results = await running.catch(async (error: unknown) => {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  });
  const expected = projections.map((projection) => projection.name).sort();
  for (const result of results) {
    if (JSON.stringify([...result.projections].sort()) !== JSON.stringify(expected)) {
      throw new Error(
        `a replay thread opened projections ${result.projections.join(', ')}, not ${expected.join(', ')}`,
      );
    }
  }
  return {
    events: results.reduce((sum, result) => sum + result.events, 0),
    failures: results.flatMap((result) => result.failures),
  };
}

function runThread(
  data: ReplayThreadData,
  resourceLimits: { readonly maxYoungGenerationSizeMb: number; readonly maxOldGenerationSizeMb: number },
  onStart: (worker: Worker) => void,
  onProgress: (events: number) => void,
): Promise<Extract<ReplayThreadMessage, { kind: 'done' }>> {
  const entry = join(__dirname, `replay-thread${extname(__filename)}`);
  // Under ts-node-like loaders (tests, benchmarks) the thread loads TypeScript the same way.
  const typescript = extname(__filename) === '.ts';
  const options = { workerData: data, resourceLimits };
  const worker = typescript
    ? new Worker(`require('@swc-node/register'); require(${JSON.stringify(entry)});`, { ...options, eval: true })
    : new Worker(entry, options);
  onStart(worker);
  return new Promise((resolve, reject) => {
    let done: Extract<ReplayThreadMessage, { kind: 'done' }> | undefined;
    worker.on('message', (message: ReplayThreadMessage) => {
      if (message.kind === 'progress') onProgress(message.events);
      else done = message;
    });
    worker.on('error', (error: Error & { code?: string }) =>
      reject(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new Error(
              `the replay thread for partition ${data.partition.index} of ${data.partition.count} ran out of its ${resourceLimits.maxOldGenerationSizeMb} MB heap: raise REBUILD_THREAD_HEAP_MB`,
            )
          : error,
      ),
    );
    worker.on('exit', (code) => {
      if (done) resolve(done);
      else
        reject(
          new Error(
            `the replay thread for partition ${data.partition.index} of ${data.partition.count} exited with code ${code} before it finished`,
          ),
        );
    });
  });
}
