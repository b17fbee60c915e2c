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

/**
 * Resolves once the client has connected, or after `timeoutMs` whatever its state: a Redis that is
 * down at start is reported by /health, it does not stop the app from starting.
 */
export async function connectedOrTimedOut(client: Redis, timeoutMs = 5000): Promise<Redis> {
  if (client.status === 'ready') return client;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    function done() {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
  });
  return client;
}
