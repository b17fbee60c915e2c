// The all-in-one server as `bench:commands` runs it to price the sealing of personal data: the
// app's own module and worker thread, started as `apps/api/src/main.ts` starts them, with the
// personal-data sealing on, or, with BENCH_SEALING=off, with the api's event store left unwrapped
// (events appended as they are, personal fields in clear). Both variants are started from this file, by the same loader,
// so the two figures differ only in the sealing.
//
// The same for `bench:read-audit` with BENCH_READ_LOG=off: reads of cases left unrecorded.
//
// The unsealed variant exists only here: there is no setting of the app that turns sealing off,
// and this file is not part of the build (`tsconfig.build.json` leaves bench/ out), so a
// deployment cannot run it. It is for benchmarks on synthetic data and nothing else.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { openEventStore } from '../../libs/event-store/src';
import {
  EVENT_STORE,
  eventStoreConnectionFor,
  logLevelsFrom,
  openKeyring,
  resolveRedis,
  runMain,
} from '../../libs/platform/src';
import { AppModule } from '../../apps/api/src/app.module';
import { acceptJsonBodies } from '../../apps/api/src/http/json-bodies';
import { startWorkerInProcess } from '../../apps/api/src/worker-in-process';
import { CaseReadLog } from '../../apps/api/src/queries/case-read-log';

const sealing = process.env.BENCH_SEALING === 'off' ? 'off' : 'on';
/** `bench:read-audit` over HTTP: BENCH_READ_LOG=off leaves reads unrecorded (here only). */
const readLog = process.env.BENCH_READ_LOG === 'off' ? 'off' : 'on';

runMain(async (config, onShutdown, exit) => {
  const keyring = await openKeyring(config);
  const redis = await resolveRedis(config);
  onShutdown(() => redis.stop());
  // The worker beside the api, as `npm start` runs it (it seals what it appends in both variants).
  if (config.workerInProcess) {
    const worker = await startWorkerInProcess(redis.url, () => exit(1));
    onShutdown(() => worker.stop());
  }
  const builder = Test.createTestingModule({
    imports: [AppModule.forRoot({ config, redisUrl: redis.url, keyring })],
  });
  if (sealing === 'off') {
    builder
      .overrideProvider(EVENT_STORE)
      .useFactory({ factory: () => openEventStore(eventStoreConnectionFor(config)) });
  }
  if (readLog === 'off') {
    builder.overrideProvider(CaseReadLog).useValue({ record: () => undefined, flushed: async () => undefined });
  }
  const module = await builder.compile();
  const app = module.createNestApplication<NestExpressApplication>({
    logger: logLevelsFrom(config.logLevel),
    bodyParser: false,
  });
  acceptJsonBodies(app);
  onShutdown(() => app.close());
  await app.listen(config.port, config.host);
  console.log(
    `benchmark server (personal data ${sealing === 'on' ? 'sealed' : 'NOT SEALED: synthetic data only'}${readLog === 'off' ? ', reads NOT RECORDED' : ''}) is listening on port ${config.port}`,
  );
});
