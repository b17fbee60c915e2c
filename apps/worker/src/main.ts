import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventStoreHealthIndicator, RedisHealthIndicator, logLevelsFrom, openKeyring, runMain } from '@app/platform';
import { WorkerModule } from './worker.module';

/**
 * The worker on its own (scale-out profile). It needs `REDIS_URL`: a Redis of its own would be
 * one the api does not see.
 */
runMain(async (config, onShutdown) => {
  if (!config.redisUrl) throw new Error('REDIS_URL is required to run the worker on its own');
  const keyring = await openKeyring(config);
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot({ config, redisUrl: config.redisUrl, keyring }),
    {
      logger: logLevelsFrom(config.logLevel),
    },
  );
  onShutdown(() => app.close());
  const checks = await Promise.all([app.get(EventStoreHealthIndicator).check(), app.get(RedisHealthIndicator).check()]);
  new Logger('Worker').log(`worker started: ${JSON.stringify(Object.assign({}, ...checks))}`);
});
