import type Redis from 'ioredis';

/**
 * Everything under a key prefix, with the prefix taken off and each value in a comparable form
 * (strings, hashes, sorted sets with scores, sets sorted): two generations built from the same
 * events must dump identically. Checkpoints and statuses are left out unless asked for.
 */
export async function dumpKeys(
  redis: Redis,
  prefix: string,
  withCheckpoints = false,
): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const dump: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const name = key.slice(prefix.length + 1);
    if (!withCheckpoints && name.startsWith('projection:')) continue;
    const type = await redis.type(key);
    if (type === 'string') dump[name] = await redis.get(key);
    else if (type === 'hash') dump[name] = sortObject(await redis.hgetall(key));
    else if (type === 'zset') dump[name] = await redis.zrange(key, '0', '-1', 'WITHSCORES');
    else if (type === 'set') dump[name] = (await redis.smembers(key)).sort();
    else if (type === 'list') dump[name] = await redis.lrange(key, '0', '-1');
  }
  return dump;
}

function sortObject(value: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}

export const until = async (condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
