/**
 * A worker thread replaying one partition of the history (see `replayHistoryInParallel`): it opens
 * its own store and Redis connection and the read models' projections, replays the streams of its
 * partition up to the head through the engine (no checkpoints), and reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openEventStore, parsePosition } from '@app/event-store';
import { connectedOrTimedOut, createRedisClient } from '@app/platform/redis/redis-client';
import { deadlineRules } from '../deadline-rules';
import { readModelProjections } from '../projections/all-projections';
import type { ReplayThreadData, ReplayThreadMessage } from './parallel-replay';
import { replayHistory } from './replay';

async function run({ config, ...data }: ReplayThreadData): Promise<void> {
  const store = openEventStore(config.eventStore);
  const redis = createRedisClient(config.redisUrl);
  const post = (message: ReplayThreadMessage) => parentPort!.postMessage(message);
  try {
    await connectedOrTimedOut(redis);
    const head = parsePosition(data.head);
    if (!head) throw new Error(`not a position: ${data.head}`);
    const projections = readModelProjections(deadlineRules(config.deadlinePolicy, config.retentionPolicy));
    const result = await replayHistory(store, redis, projections, {
      prefix: data.prefix,
      head,
      partition: data.partition,
      batchSize: data.batchSize,
      progress: (events) => post({ kind: 'progress', events }),
    });
    post({
      kind: 'done',
      projections: projections.map((projection) => projection.name),
      events: result.events,
      failures: result.failures,
    });
  } finally {
    await store.close();
    redis.disconnect();
  }
}

// A rejection here is unhandled, which ends the thread: the main thread gets it as the worker's 'error' event.
void run(workerData as ReplayThreadData);
