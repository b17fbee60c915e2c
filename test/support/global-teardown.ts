import { rmSync } from 'node:fs';
import type { ManagedRedisServer } from '../../libs/platform/src/redis/managed-redis-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __testRedis?: ManagedRedisServer }).__testRedis;
  if (!server) return;
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
}
