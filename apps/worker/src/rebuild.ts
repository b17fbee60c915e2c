import 'reflect-metadata';
import { availableParallelism } from 'node:os';
import { openEventStore } from '@app/event-store';
import { connectedOrTimedOut, createRedisClient, eventStoreConnectionFor, resolveRedis, runMain } from '@app/platform';
import { readModelProjections, rebuildReadModels, deadlineRules, readModelRoot } from '@app/read-models';

/**
 * `npm run projections:rebuild`: builds every read model afresh beside the live ones and switches
 * readers to the new ones when caught up. Safe while the api serves and commands arrive; the
 * worker holding the projections lock carries on from the new generation.
 */
runMain(async (config, onShutdown) => {
  const redisServer = await resolveRedis(config, { reuseRunning: true });
  onShutdown(() => redisServer.stop());
  const connection = eventStoreConnectionFor(config);
  const store = openEventStore(connection);
  onShutdown(() => store.close());
  const redis = await connectedOrTimedOut(createRedisClient(redisServer.url));
  onShutdown(async () => redis.disconnect());
  console.log(`rebuilding read models from ${store.description} into ${redisServer.description}`);
  const result = await rebuildReadModels(
    store,
    redis,
    readModelProjections(deadlineRules(config.deadlinePolicy, config.retentionPolicy)),
    {
      root: readModelRoot(config),
      // History is replayed in worker threads, one per core, each over its share of the streams.
      parallel: {
        partitions: availableParallelism(),
        heapMb: config.rebuildThreadHeapMb,
        config: {
          eventStore: connection,
          redisUrl: redisServer.url,
          deadlinePolicy: config.deadlinePolicy,
          retentionPolicy: config.retentionPolicy,
        },
      },
      log: (message) => console.log(message),
      progress: (progress) =>
        console.log(
          progress.phase === 'history'
            ? `  replayed ${progress.events} events of history up to ${progress.head}`
            : `  catching up: at ${progress.checkpoint ?? 'the start'} of ${progress.head ?? 'nothing'}`,
        ),
    },
  );
  console.log(
    `rebuilt in ${(result.elapsedMs / 1000).toFixed(1)} s up to ${result.head ?? 'an empty store'}: readers now use generation ${result.generation} (was ${result.previousGeneration})`,
  );
  process.kill(process.pid, 'SIGTERM');
});
