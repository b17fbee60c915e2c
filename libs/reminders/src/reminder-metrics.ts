import type Redis from 'ioredis';

/**
 * Counts of reminders raised, which every worker process's processor adds to and the api's
 * `/metrics` reads: a hash in the deployment's Redis, since the processors run in other processes
 * (or on the worker thread) than the one Prometheus scrapes. Fields `raised:<kind>`, `late:<kind>`
 * and `lateness_seconds_sum`.
 */
export const reminderMetricsKey = (prefix: string): string => `${prefix}:metrics:reminders`;

/** A reminder raised more than this after its time was raised late (no worker ran, or it fell behind). */
export const LATE_AFTER_SECONDS = 60;

/** Counts one reminder raised (by this job: never a replay) `lateBySeconds` after its time. */
export async function countReminderRaised(
  redis: Redis,
  prefix: string,
  kind: string,
  lateBySeconds: number,
): Promise<void> {
  const key = reminderMetricsKey(prefix);
  const counts = redis.multi().hincrby(key, `raised:${kind}`, 1);
  if (lateBySeconds > LATE_AFTER_SECONDS) counts.hincrby(key, `late:${kind}`, 1);
  await counts.hincrbyfloat(key, 'lateness_seconds_sum', Math.max(0, lateBySeconds)).exec();
}

export interface ReminderCounts {
  readonly raised: ReadonlyMap<string, number>;
  readonly late: ReadonlyMap<string, number>;
  readonly latenessSecondsSum: number;
}

/** What `countReminderRaised` has counted so far, by deadline kind. */
export async function readReminderCounts(redis: Redis, prefix: string): Promise<ReminderCounts> {
  const fields = await redis.hgetall(reminderMetricsKey(prefix));
  const raised = new Map<string, number>();
  const late = new Map<string, number>();
  for (const [field, value] of Object.entries(fields)) {
    const [what, kind] = field.split(':');
    if (kind === undefined) continue;
    (what === 'raised' ? raised : what === 'late' ? late : undefined)?.set(kind, Number(value));
  }
  return { raised, late, latenessSecondsSum: Number(fields.lateness_seconds_sum ?? 0) };
}
