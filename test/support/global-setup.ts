import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedRedisServer } from '../../libs/platform/src/redis/managed-redis-server';

/**
 * One real redis-server for the whole test run, on a free port, in a throwaway directory.
 * Test files find it through `TEST_REDIS_URL` (workers inherit this process's environment).
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'marac-test-redis-'));
  const server = await ManagedRedisServer.start({ dataDir, appendOnly: false });
  process.env.TEST_REDIS_URL = server.url;
  (globalThis as { __testRedis?: ManagedRedisServer }).__testRedis = server;
  console.log(`\n[test] redis-server started at ${server.url} (pid ${server.pid})`);
}
