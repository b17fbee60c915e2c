import 'reflect-metadata';
import { runMain } from '@app/platform';
import { startHeartbeat } from './heartbeat';
import { startWorker, workerHealth } from './start-worker';

/**
 * The worker on its own (scale-out profile). It needs `REDIS_URL`: a Redis of its own would be
 * one the api does not see. With `WORKER_HEALTH_FILE` it writes a heartbeat there for its
 * container's healthcheck (`health-probe.js`).
 */
runMain(async (config, onShutdown) => {
  if (!config.redisUrl) throw new Error('REDIS_URL is required to run the worker on its own');
  const app = await startWorker(config, config.redisUrl);
  onShutdown(() => app.close());
  if (config.workerHealthFile) {
    const heartbeat = startHeartbeat(config.workerHealthFile, () => workerHealth(app));
    onShutdown(() => heartbeat.stop());
  }
});
