import type { ConnectionOptions } from 'bullmq';

/**
 * BullMQ's connection options for a `redis://` or `rediss://` URL. BullMQ makes its own
 * connections from these (its workers block on Redis, so they cannot share the app's client).
 */
export function bullConnection(url: string): ConnectionOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/**
 * BullMQ loses delayed jobs if Redis evicts keys under memory pressure: refuse any policy but
 * `noeviction`. A Redis that forbids `CONFIG GET` (some managed services) cannot be checked; say so.
 */
export async function checkNoEviction(
  redis: { config(op: 'GET', key: string): Promise<unknown> },
  log: (message: string) => void,
): Promise<void> {
  let policy: string | undefined;
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    policy = reply[1];
  } catch (error) {
    log(`cannot read Redis maxmemory-policy (${(error as Error).message}); reminders need "noeviction": check it`);
    return;
  }
  if (policy !== 'noeviction') {
    throw new Error(
      `Redis maxmemory-policy is "${policy}": reminders need "noeviction" (an evicted job is a reminder never sent). ` +
        'Set it with CONFIG SET maxmemory-policy noeviction, or in redis.conf.',
    );
  }
}
