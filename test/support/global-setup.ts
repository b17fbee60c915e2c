import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedRedisServer, redactRedisUrl } from '../../libs/platform/src/redis/managed-redis-server';

/**
 * One real redis-server for the whole test run, on a free port, in a throwaway directory, with a
 * password like the app's. Test files find it through `TEST_REDIS_URL` (workers inherit this
 * process's environment). It is stopped by the teardown, or, if jest is killed, by the managed
 * server's lifeline as soon as this process is gone.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'marac-test-redis-'));
  const server = await ManagedRedisServer.start({ dataDir, appendOnly: false });
  process.env.TEST_REDIS_URL = server.url;
  (globalThis as { __testRedis?: ManagedRedisServer }).__testRedis = server;
  console.log(`\n[test] redis-server started at ${redactRedisUrl(server.url)} (pid ${server.pid})`);
  // Said here because jest prints nothing from a suite whose tests are all skipped.
  if (!process.env.EVENTSTORE_CONNECTION_STRING) {
    console.log(
      '[test] Contract suite against a real EventStoreDB: NOT RUN (EVENTSTORE_CONNECTION_STRING is not set). ' +
        'The EventStoreDB adapter still runs it against the in-process protocol server.',
    );
  }
}
