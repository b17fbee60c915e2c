import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Redis from 'ioredis';
import { formatPosition, type EventStore, type Position, type StreamPartition } from '@app/event-store';
import type { FoldFailure, HistoryFoldResult } from './history-fold';
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
  /** Each worker's young generation (a fold makes mostly short-lived garbage). */
  readonly youngGenerationMb?: number;
}

/** Messages from a fold worker to the thread that started it. */
export type FoldWorkerMessage =
  | { readonly kind: 'progress'; readonly events: number }
  | {
      readonly kind: 'done';
      readonly projections: readonly string[];
      readonly events: number;
      readonly failures: readonly FoldFailure[];
    };

/** What a fold worker is started with. */
export interface FoldWorkerData {
  readonly setup: { readonly module: string; readonly data: unknown };
  readonly prefix: string;
  readonly partition: StreamPartition;
  readonly head: string;
  readonly streamsPerWrite?: number;
}

/**
 * `foldHistory` split across worker threads, each folding the streams of one partition into the
 * same generation (an entity is named by its stream, so it belongs to one partition; counters add
 * up whichever partition wrote them). A projection refusing an event ends its partition's fold,
 * and the failures of every partition are returned once all are done; a thread that fails
 * outright (an error, not a refusal) has the others terminated and its error thrown.
 */
export async function foldHistoryInParallel(
  projections: readonly Projection[],
  options: {
    readonly prefix: string;
    readonly head: Position;
    readonly parallel: ParallelFoldOptions;
    readonly streamsPerWrite?: number;
    readonly progress?: (events: number) => void;
  },
): Promise<HistoryFoldResult> {
  const count = options.parallel.partitions;
  const folded = Array.from({ length: count }, () => 0);
  let lastReport = 0;
  const workers: Worker[] = [];
  const running = Promise.all(
    folded.map((_, index) =>
      runFoldWorker(
        {
          setup: options.parallel.setup,
          prefix: options.prefix,
          partition: { index, count },
          head: formatPosition(options.head),
          streamsPerWrite: options.streamsPerWrite,
        },
        options.parallel.youngGenerationMb,
        (worker) => workers.push(worker),
        (events) => {
          folded[index] = events;
          if (options.progress && Date.now() - lastReport >= 1_000) {
            lastReport = Date.now();
            options.progress(folded.reduce((a, b) => a + b, 0));
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
      throw new Error(`a fold worker opened projections ${result.projections.join(', ')}, not ${expected.join(', ')}`);
    }
  }
  return {
    events: results.reduce((sum, result) => sum + result.events, 0),
    failures: results.flatMap((result) => result.failures),
  };
}

function runFoldWorker(
  data: FoldWorkerData,
  youngGenerationMb: number | undefined,
  onStart: (worker: Worker) => void,
  onProgress: (events: number) => void,
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
      if (message.kind === 'progress') onProgress(message.events);
      else done = message;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (done) resolve(done);
      else
        reject(
          new Error(
            `the fold worker for partition ${data.partition.index} of ${data.partition.count} exited with code ${code} before it finished`,
          ),
        );
    });
  });
}
