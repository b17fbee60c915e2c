import Redis from 'ioredis';

/**
 * The app's Redis connection. Commands fail at once while it is disconnected (no offline queue),
 * so `/health` reports a Redis that is down instead of waiting for it; it reconnects by itself.
 */
export function createRedisClient(url: string): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Connection errors are reported through /health; without a listener ioredis would log each retry.
  client.on('error', () => undefined);
  return client;
}
