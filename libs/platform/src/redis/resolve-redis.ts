import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { ManagedRedisServer } from './managed-redis-server';

export interface ResolvedRedis {
  readonly url: string;
  readonly description: string;
  /** Stops the managed server, if this process started one. */
  readonly stop: () => Promise<void>;
}

/** The Redis named by `REDIS_URL`, or else a `redis-server` of our own under `DATA_DIR/redis`. */
export async function resolveRedis(config: AppConfig): Promise<ResolvedRedis> {
  if (config.redisUrl) {
    return { url: config.redisUrl, description: `external Redis at ${redact(config.redisUrl)}`, stop: async () => {} };
  }
  const dataDir = join(config.dataDir, 'redis');
  const server = await ManagedRedisServer.start({ dataDir, binary: config.redisServerBinary, appendOnly: true });
  return {
    url: server.url,
    description: `managed redis-server at ${server.url} (pid ${server.pid}, data in ${dataDir}, append-only file on)`,
    stop: () => server.stop(),
  };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
