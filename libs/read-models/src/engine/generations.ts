import type Redis from 'ioredis';
import { projectionKeys, type ReadModelKeys } from './keys';
import type { ProjectionStatus } from './projection';
import { readStatuses } from './projection-runner';
import { describeNotBuilt, notBuilt, readinessKeys, type StoreHead } from './readiness';

/** The generation readers use; the first worker to ask makes it 1. */
export async function activeGeneration(redis: Redis, keys: ReadModelKeys): Promise<number> {
  return generationOf(await redis.get(keys.active));
}

/** The generation named by the value of `<root>:active` (absent means 1). */
export const generationOf = (value: string | null): number => (value ? Number(value) : 1);

const NEXT_GENERATION = `
local active = tonumber(redis.call('get', KEYS[1]) or '1')
local next = redis.call('incr', KEYS[2])
if next <= active then next = active + 1; redis.call('set', KEYS[2], next) end
return next`;

/** A generation number never used before, above the active one. */
export async function nextGeneration(redis: Redis, keys: ReadModelKeys): Promise<number> {
  return Number(await redis.eval(NEXT_GENERATION, 2, keys.active, keys.generationCounter));
}

/**
 * Deletes every generation's keys for which `unwanted(generation)` holds (SCAN + UNLINK, in
 * slices); stops between two slices once `signal` is aborted.
 */
export async function deleteGenerations(
  redis: Redis,
  keys: ReadModelKeys,
  unwanted: (generation: number) => boolean,
  signal?: AbortSignal,
): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  const pattern = new RegExp(`^${escape(keys.root)}:g(\\d+):`);
  do {
    if (signal?.aborted) break;
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keys.root}:g*`, 'COUNT', 1_000);
    cursor = next;
    const doomed = found.filter((key) => {
      const match = pattern.exec(key);
      return match !== null && unwanted(Number(match[1]));
    });
    if (doomed.length > 0) deleted += await redis.unlink(...doomed);
  } while (cursor !== '0');
  return deleted;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where each projection stands in the generation readers use (for `/health`): running, stopped
 * at an event, or not built (being rebuilt from the start, see `readiness.ts`; told only with `store`).
 */
export async function liveProjectionStatuses(
  redis: Redis,
  keys: ReadModelKeys,
  names: readonly string[],
  store?: StoreHead,
): Promise<ProjectionStatus[]> {
  const prefix = keys.generation(await activeGeneration(redis, keys));
  const [statuses, readiness] = await Promise.all([
    readStatuses(
      redis,
      names.map((name) => ({ name, keys: projectionKeys(prefix, name) })),
    ),
    redis.mget(...readinessKeys(prefix, names)),
  ]);
  const unbuilt = new Map((await notBuilt(names, readiness, store)).map((found) => [found.projection, found]));
  return statuses.map((status) => {
    const found = unbuilt.get(status.name);
    if (!found || status.state === 'stopped') return status;
    const { checkpoint, replayingTo } = found;
    return { name: status.name, state: 'rebuilding', checkpoint, replayingTo, reason: describeNotBuilt(found) };
  });
}
