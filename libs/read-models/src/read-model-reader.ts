import type Redis from 'ioredis';

/**
 * What a projection's queries read through (`ReadModels` gives it): Redis, and the key prefix of
 * the active generation once the projections a query names are built there (else
 * `ReadModelNotBuilt`). A query names every projection whose keys it reads.
 */
export interface ReadModelReader {
  readonly redis: Redis;
  prefix(projections: readonly string[]): Promise<string>;
}

/** `[member, score]` pairs of a flat `WITHSCORES` reply. */
export function withScores(flat: readonly string[]): [member: string, score: string][] {
  const rows: [string, string][] = [];
  for (let index = 0; index + 1 < flat.length; index += 2) rows.push([flat[index]!, flat[index + 1]!]);
  return rows;
}
