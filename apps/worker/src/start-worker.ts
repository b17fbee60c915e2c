import { setPriority } from 'node:os';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { EventStoreHealthIndicator, RedisHealthIndicator, appLogger, openKeyring, type AppConfig } from '@app/platform';
import { WorkerModule } from './worker.module';

/**
 * The worker app (projections, reminder scheduling and processing), started the same way in its
 * own process (scale-out, `main.ts`) and on a thread of the all-in-one server (`worker-thread.ts`).
 * Closing it closes its event store connection, key store and Redis connections.
 */
export async function startWorker(config: AppConfig, redisUrl: string): Promise<INestApplicationContext> {
  lowerPriority(config.workerNice);
  const keyring = await openKeyring(config);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config, redisUrl, keyring }), {
    logger: appLogger(config),
  });
  new Logger('Worker').log({ msg: 'worker started', health: await workerHealth(app) });
  return app;
}

/** The worker's dependencies, each checked within its own timeout: the event store and Redis. */
export async function workerHealth(app: INestApplicationContext): Promise<HealthIndicatorResult> {
  const checks = await Promise.all([app.get(EventStoreHealthIndicator).check(), app.get(RedisHealthIndicator).check()]);
  return checks.reduce<HealthIndicatorResult>((all, check) => ({ ...all, ...check }), {});
}

/**
 * Lowers this thread's priority (Linux keeps a nice value per thread): the worker's backlog waits
 * while requests use the cores it shares with the api. Raising the nice value needs no privilege;
 * where it fails all the same (another OS), the worker runs at the usual priority.
 */
function lowerPriority(nice: number): void {
  if (nice === 0) return;
  try {
    setPriority(0, nice);
  } catch (error) {
    new Logger('Worker').warn(`could not lower the worker's priority: ${(error as Error).message}`);
  }
}
