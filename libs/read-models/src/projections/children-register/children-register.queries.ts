import type { ReadModelReader } from '../../read-model-reader';
import { CHILDREN_REGISTER_PROJECTION, childrenRegisterKey } from './children-register.projection';

/** How many cases each named cell of an area's children's register holds (see `childrenRegisterKey`). */
export async function childrenRegisterCounts(
  read: ReadModelReader,
  area: string,
  cells: readonly string[],
): Promise<Map<string, number>> {
  const prefix = await read.prefix([CHILDREN_REGISTER_PROJECTION]);
  const pipeline = read.redis.pipeline();
  for (const cell of cells) pipeline.zcard(`${prefix}:${childrenRegisterKey(area, cell)}`);
  const results = (await pipeline.exec()) ?? [];
  return new Map(cells.map((cell, index) => [cell, Number(results[index]?.[1] ?? 0)]));
}
