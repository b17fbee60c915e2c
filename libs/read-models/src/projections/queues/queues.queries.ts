import { withScores, type ReadModelReader } from '../../read-model-reader';
import { CASE_VIEW_PROJECTION } from '../case-view/case-view.projection';
import { MARAC_PROJECTION } from '../marac/marac.projection';
import { QUEUES, queueKey, windowBounds, type QueueName } from './queues';

/** Whose queue: an agency's, or one caseworker's. */
export interface QueueScope {
  readonly scope: 'agency' | 'assignee';
  readonly id: string;
}

// The case view fills the queues from each case's deadlines and state, the MARAC meetings from open actions.
const READS = [CASE_VIEW_PROJECTION, MARAC_PROJECTION];

/** How many items each queue holds for `scope` at `now` (ms), in one round trip. */
export async function queueCounts(
  read: ReadModelReader,
  scope: QueueScope,
  now: number,
): Promise<Record<QueueName, number>> {
  const prefix = await read.prefix(READS);
  const names = Object.keys(QUEUES) as QueueName[];
  const pipeline = read.redis.pipeline();
  for (const name of names) {
    const queue = QUEUES[name];
    const [min, max] = windowBounds(queue.window, now);
    pipeline.zcount(`${prefix}:${queueKey(queue.source, scope.scope, scope.id)}`, min, max);
  }
  const results = (await pipeline.exec()) ?? [];
  return Object.fromEntries(names.map((name, index) => [name, Number(results[index]?.[1] ?? 0)])) as Record<
    QueueName,
    number
  >;
}

/**
 * How many open deadlines of each kind are past due at `now` (ms) in each agency's queues, in one
 * round trip: `counts[kind][agency]`. Every deadline of an open case (and every open MARAC action)
 * sits in its agency's sorted set for its kind, scored by when it falls due.
 */
export async function overdueDeadlineCounts<Kind extends string>(
  read: ReadModelReader,
  kinds: readonly Kind[],
  agencies: readonly string[],
  now: number,
): Promise<Record<Kind, Record<string, number>>> {
  const prefix = await read.prefix(READS);
  const pipeline = read.redis.pipeline();
  for (const kind of kinds)
    for (const agency of agencies) pipeline.zcount(`${prefix}:${queueKey(kind, 'agency', agency)}`, '-inf', now);
  const results = (await pipeline.exec()) ?? [];
  let at = 0;
  return Object.fromEntries(
    kinds.map((kind) => [
      kind,
      Object.fromEntries(agencies.map((agency) => [agency, Number(results[at++]?.[1] ?? 0)])),
    ]),
  ) as Record<Kind, Record<string, number>>;
}

/** A queue's members (case ids, or `<meetingId>/<actionId>` for MARAC actions) with due times. */
export async function queueItems(
  read: ReadModelReader,
  name: QueueName,
  scope: QueueScope,
  now: number,
  limit: number,
): Promise<{ member: string; due: number }[]> {
  const queue = QUEUES[name];
  const [min, max] = windowBounds(queue.window, now);
  const key = `${await read.prefix(READS)}:${queueKey(queue.source, scope.scope, scope.id)}`;
  const flat = await read.redis.zrangebyscore(key, min, max, 'WITHSCORES', 'LIMIT', 0, limit);
  return withScores(flat).map(([member, score]) => ({ member, due: Number(score) }));
}
