import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Redis from 'ioredis';
import { comparePositions, formatPosition, parsePosition, type EventStore, type Position } from '@app/event-store';
import { lastPosition, type FoldFailure, type HistoryFoldResult } from './history-fold';
import { projectionKeys } from './keys';
import type { Projection } from './projection';

/**
 * What a worker thread needs to fold one partition: its own store connection, Redis connection and
 * projections, opened by a module the application names (the main thread's objects cannot cross
 * to another thread). The module exports `openFoldWorker(data)`.
 */
export interface FoldWorkerSetup {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly projections: readonly Projection[];
  close(): Promise<void>;
}

export interface ParallelFoldOptions {
  /** Worker threads, each folding the streams of one partition. */
  readonly partitions: number;
  /** The module exporting `openFoldWorker(data): Promise<FoldWorkerSetup>`, and its data (structured-cloneable). */
  readonly setup: { readonly module: string; readonly data: unknown };
  /**
   * Each worker's young generation. A fold keeps every entity's state while it reads; a larger young
   * generation lets more of each short-lived intermediate die before it is copied.
   */
  readonly youngGenerationMb?: number;
}

/** Events a partition reads between two flushes, unless told otherwise (measured: 20k–60k best of 20k–1M). */
const PARTITION_FLUSH_EVERY = 50_000;

/** Messages from a fold worker to the thread that started it. */
export type FoldWorkerMessage =
  | { readonly kind: 'progress'; readonly checkpoint: string | null }
  | { readonly kind: 'done'; readonly projections: readonly string[]; readonly failures: readonly FoldFailure[] };

/** What a fold worker is started with. */
export interface FoldWorkerData {
  readonly setup: { readonly module: string; readonly data: unknown };
  readonly prefix: string;
  readonly regex: string;
  readonly head: string;
  readonly flushEvery?: number;
}

/**
 * Regular expressions on stream names splitting every stream into `count` partitions by the last
 * character of its name (UUIDs end in a hex digit, synthetic ids in a decimal one: both spread
 * evenly). They are complementary: each non-empty name matches exactly one.
 */
export function streamPartitions(count: number): string[] {
  if (count <= 1) return ['.*'];
  const chars = '0123456789abcdefABCDEF';
  const classes: string[][] = Array.from({ length: count }, () => []);
  for (const char of chars) {
    const digit = Number.parseInt(char, 16);
    classes[digit % count]!.push(char);
  }
  const others = classes.slice(1);
  // The first partition takes every last character the others do not: hex digits and anything else.
  return [`[^${others.flat().join('')}]$`, ...others.map((chars) => `[${chars.join('')}]$`)];
}

/**
 * `foldHistory` split across worker threads: each folds the streams of one partition (a stream's
 * events all go to one partition, so a projection whose entity is named by the stream sees each
 * entity's events in order) into the same generation; counters add up whichever partition wrote
 * them. Once every partition has folded up to the head without a failure, each projection's
 * checkpoint is written at the head. A failure is returned, not resumed: the partitions stopped
 * at different points, so no checkpoint can describe what they wrote.
 */
export async function foldHistoryInParallel(
  store: EventStore,
  redis: Redis,
  projections: readonly Projection[],
  options: {
    readonly prefix: string;
    readonly parallel: ParallelFoldOptions;
    readonly flushEvery?: number;
    readonly progress?: (checkpoint: string | null, head: string | null) => void;
  },
): Promise<HistoryFoldResult> {
  const head = await lastPosition(store);
  if (!head) return { failures: [] };
  const regexes = streamPartitions(options.parallel.partitions);
  const reached = regexes.map((): Position | undefined => undefined);
  let lastReport = 0;
  const workers: Worker[] = [];
  const running = Promise.all(
    regexes.map((regex, index) =>
      runFoldWorker(
        {
          setup: options.parallel.setup,
          prefix: options.prefix,
          regex,
          head: formatPosition(head),
          // Small flushes: their writes overlap the folding, and the last one, which nothing overlaps, is short.
          flushEvery: options.flushEvery ?? PARTITION_FLUSH_EVERY,
        },
        options.parallel.youngGenerationMb,
        (worker) => workers.push(worker),
        (checkpoint) => {
          reached[index] = checkpoint === null ? undefined : parsePosition(checkpoint);
          if (options.progress && Date.now() - lastReport >= 1_000) {
            lastReport = Date.now();
            // The slowest partition is where the fold as a whole has reached.
            const slowest = reached.includes(undefined)
              ? undefined
              : (reached as Position[]).reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
            options.progress(slowest ? formatPosition(slowest) : null, formatPosition(head));
          }
        },
      ),
    ),
  );
  // One partition failing ends the fold: the others would write into a generation about to be deleted.
  const results = await running.catch(async (error: unknown) => {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  });
  const expected = projections.map((projection) => projection.name).sort();
  for (const result of results) {
    if (JSON.stringify([...result.projections].sort()) !== JSON.stringify(expected)) {
      throw new Error(`a fold worker opened projections ${result.projections.join(', ')}, not ${expected.join(', ')}`);
    }
  }
  const failures = results.flatMap((result) => result.failures);
  if (failures.length === 0) {
    const checkpoints = projections.flatMap((projection) => [
      projectionKeys(options.prefix, projection.name).checkpoint,
      formatPosition(head),
    ]);
    await redis.mset(...checkpoints);
  }
  return { last: head, failures };
}

function runFoldWorker(
  data: FoldWorkerData,
  youngGenerationMb: number | undefined,
  onStart: (worker: Worker) => void,
  onProgress: (checkpoint: string | null) => void,
): Promise<Extract<FoldWorkerMessage, { kind: 'done' }>> {
  const entry = join(__dirname, `fold-worker${extname(__filename)}`);
  // Under ts-node-like loaders (tests, benchmarks) the worker loads TypeScript the same way.
  const typescript = extname(__filename) === '.ts';
  const options = {
    workerData: data,
    resourceLimits: youngGenerationMb ? { maxYoungGenerationSizeMb: youngGenerationMb } : undefined,
  };
  const worker = typescript
    ? new Worker(`require('@swc-node/register'); require(${JSON.stringify(entry)});`, { ...options, eval: true })
    : new Worker(entry, options);
  onStart(worker);
  return new Promise((resolve, reject) => {
    let done: Extract<FoldWorkerMessage, { kind: 'done' }> | undefined;
    worker.on('message', (message: FoldWorkerMessage) => {
      if (message.kind === 'progress') onProgress(message.checkpoint);
      else done = message;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (done) resolve(done);
      else
        reject(
          new Error(`the fold worker for streams matching ${data.regex} exited with code ${code} before it finished`),
        );
    });
  });
}
