import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { appLogger, eventStoreConnectionFor, JsonLogger, openKeyring, resolveRedis, runMain } from '@app/platform';
import { AppModule } from './app.module';
import { acceptJsonBodies } from './http/json-bodies';
import { serveOpenApi } from './http/openapi';
import { logRequests } from './http/request-log';
import { Metrics } from './metrics/metrics';
import { startWorkerInProcess } from './worker-in-process';

/**
 * The all-in-one server of `npm start`: the api, with the worker in process (on a thread), on the embedded
 * event store and a Redis of its own unless `EVENTSTORE_CONNECTION_STRING` / `REDIS_URL` say otherwise.
 */
runMain(async (config, onShutdown, exit) => {
  const keyring = await openKeyring(config);
  const redis = await resolveRedis(config);
  onShutdown(() => redis.stop());
  // Started beside the api; the server listens once both have started.
  const worker = config.workerInProcess
    ? startWorkerInProcess(redis.url, (error) => {
        console.error(`The worker thread failed: ${error.message}; stopping`);
        exit(1);
      })
    : undefined;
  // A worker that fails to start is reported where it is awaited, below.
  worker?.catch(() => undefined);
  const logger = appLogger(config);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ config, redisUrl: redis.url, keyring }),
    {
      logger,
      bodyParser: false, // set up by acceptJsonBodies: JSON only, with a stated limit
    },
  );
  onShutdown(() => app.close());
  if (worker) {
    const started = await worker;
    onShutdown(() => started.stop());
  }
  // First of all middleware, so every request is timed: refused, unknown, or the queue board's.
  app.use(app.get(Metrics).observeHttp);
  logRequests(app, logger);
  acceptJsonBodies(app);
  serveOpenApi(app);
  await app.listen(config.port, config.host);
  const connection = eventStoreConnectionFor(config);
  const shownHost = config.host === '0.0.0.0' ? 'localhost' : config.host;
  // The banner is for the person who ran `npm start`: printed whatever LOG_LEVEL says.
  const banner = [
    `MARAC case management is listening on http://${shownHost}:${config.port} (health: /health, API docs: /docs, OpenAPI document: /docs/openapi.json)`,
    `  data directory: ${config.dataDir}`,
    `  event store:    ${connection.kind === 'embedded' ? `embedded SQLite at ${connection.file}` : 'EventStoreDB (EVENTSTORE_CONNECTION_STRING)'}`,
    `  redis:          ${redis.description}`,
    `  personal data:  sealed per person; keys in ${keyring.store.description}`,
    `  worker:         ${config.workerInProcess ? 'in this process, on a thread of its own' : 'separate (WORKER_IN_PROCESS=false)'}`,
  ];
  if (logger instanceof JsonLogger) logger.announce(banner[0]!, { context: 'Main', details: banner.slice(1) });
  else console.log(banner.join('\n'));
});
