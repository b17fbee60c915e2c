/**
 * The lag run's projections on a thread of their own, as `npm start` runs the worker (a thread of
 * the server, its own store connection and Redis client, at the worker's nice value): the commands,
 * the probe and the readers stay on the main thread.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Redis from 'ioredis';
import { SqliteEventStore } from '../../libs/event-store/src';
import { deadlineRules } from '../../libs/read-models/src/deadline-rules';
import { ProjectionWorker, readModelProjections } from '../../libs/read-models/src';

export interface LagProjectorData {
  readonly file: string;
  readonly redisUrl: string;
  readonly root: string;
  readonly nice: number;
}

async function run(port: NonNullable<typeof parentPort>, data: LagProjectorData) {
  if (data.nice !== 0) setPriority(0, data.nice);
  const store = new SqliteEventStore(data.file);
  const redis = new Redis(data.redisUrl);
  const worker = new ProjectionWorker(store, redis, readModelProjections(deadlineRules()), { root: data.root });
  worker.start();
  while (!worker.isLeader) await new Promise((resolve) => setTimeout(resolve, 10));
  port.on('message', () => {
    void (async () => {
      await worker.stop();
      await store.close();
      redis.disconnect();
      port.postMessage('stopped');
    })();
  });
  port.postMessage('leading');
}

if (parentPort) void run(parentPort, workerData as LagProjectorData);
