import type { ReadModelReader } from '../../read-model-reader';
import { ALL_AREAS, PROBLEM_PROFILE_PROJECTION, profileKey } from './problem-profile.projection';

/** Problem-profile counters per month (`YYYY-MM`) for an area, or every area. */
export async function profileCounts(
  read: ReadModelReader,
  area: string | undefined,
  months: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const prefix = await read.prefix([PROBLEM_PROFILE_PROJECTION]);
  const pipeline = read.redis.pipeline();
  for (const month of months) pipeline.hgetall(`${prefix}:${profileKey(area ?? ALL_AREAS, month)}`);
  const results = (await pipeline.exec()) ?? [];
  return new Map(months.map((month, index) => [month, (results[index]?.[1] ?? {}) as Record<string, string>]));
}
