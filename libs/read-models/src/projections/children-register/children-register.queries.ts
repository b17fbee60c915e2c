import type { ReadModelReader } from '../../read-model-reader';
import { CHILDREN_REGISTER_PROJECTION, childrenRegisterKey } from './children-register.projection';

/** The children's register counters of one area. */
export async function childrenRegisterCounts(read: ReadModelReader, area: string): Promise<Record<string, string>> {
  const prefix = await read.prefix([CHILDREN_REGISTER_PROJECTION]);
  return read.redis.hgetall(`${prefix}:${childrenRegisterKey(area)}`);
}
