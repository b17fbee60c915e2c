import { extname, join } from 'node:path';
import type { DeadlinePolicy, RetentionPolicy } from '@app/case-domain';
import { openEventStore, type EventStoreConnection } from '@app/event-store';
import { readModelProjections, type FoldWorkerSetup, type ParallelFoldOptions } from '@app/read-models';
import { connectedOrTimedOut, createRedisClient } from '../redis/redis-client';
import { deadlineRules } from './deadline-rules';

/** What a rebuild's fold worker opens: the same store, Redis and deadline policy as the rebuild itself. */
export interface RebuildWorkerData {
  readonly eventStore: EventStoreConnection;
  readonly redisUrl: string;
  readonly deadlinePolicy: DeadlinePolicy;
  readonly retentionPolicy?: RetentionPolicy;
}

/** Loaded by each fold worker thread (`foldHistoryInParallel`). */
export async function openFoldWorker(data: RebuildWorkerData): Promise<FoldWorkerSetup> {
  const store = openEventStore(data.eventStore);
  const redis = await connectedOrTimedOut(createRedisClient(data.redisUrl));
  return {
    store,
    redis,
    projections: readModelProjections(deadlineRules(data.deadlinePolicy, data.retentionPolicy)),
    close: async () => {
      await store.close();
      redis.disconnect();
    },
  };
}

/**
 * Folding the history in worker threads, one per partition of the streams: each needs a core. The
 * fold's garbage is short-lived (each state is dropped when its stream ends); young generations of
 * 16, 32 and 64 MB measured alike, within this machine's noise.
 */
export function parallelRebuild(data: RebuildWorkerData, partitions: number): ParallelFoldOptions {
  return {
    partitions,
    setup: { module: join(__dirname, `fold-setup${extname(__filename)}`), data },
    youngGenerationMb: 64,
  };
}
