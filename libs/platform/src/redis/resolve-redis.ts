import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { ManagedRedisServer, redactRedisUrl } from './managed-redis-server';

export interface ResolvedRedis {
  readonly url: string;
  readonly description: string;
  /** Stops the managed server, if this process started one. */
  readonly stop: () => Promise<void>;
}

/**
 * The Redis named by `REDIS_URL`, or else a `redis-server` of our own under `DATA_DIR/redis`
 * (with `reuseRunning`, the one a running server already started there, if any).
 */
export async function resolveRedis(config: AppConfig, { reuseRunning = false } = {}): Promise<ResolvedRedis> {
  if (config.redisUrl) {
    return {
      url: config.redisUrl,
      description: `external Redis at ${redactRedisUrl(config.redisUrl)}`,
      stop: async () => {},
    };
  }
  const dataDir = join(config.dataDir, 'redis');
  // A command-line tool run beside `npm start` uses the server's Redis rather than replacing it.
  const running = reuseRunning ? ManagedRedisServer.runningAt(dataDir) : undefined;
  if (running)
    return {
      url: running,
      description: `the running server's redis-server at ${redactRedisUrl(running)}`,
      stop: async () => {},
    };
  const server = await ManagedRedisServer.start({ dataDir, binary: config.redisServerBinary, appendOnly: true });
  return {
    url: server.url,
    description: `managed redis-server at ${redactRedisUrl(server.url)} (pid ${server.pid}, generated password, data in ${dataDir}, append-only file on)`,
    stop: () => server.stop(),
  };
}
