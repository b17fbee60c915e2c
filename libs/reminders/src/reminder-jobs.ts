import { firesAt, type CaseState, type PendingReminder } from '@app/case-domain';
import type { JobsOptions, JobType } from 'bullmq';

/** The BullMQ queue the reminders wait in (its keys live under `<REDIS_KEY_PREFIX>:bull`). */
export const REMINDER_QUEUE = 'reminders';

/** What a reminder job carries: enough to re-check the case when it fires. */
export interface ReminderJobData extends PendingReminder {
  readonly caseId: string;
}

/**
 * The deterministic job id of one reminder of one deadline of one case: scheduling it twice adds
 * one job (BullMQ ignores an add whose id exists). A moved reminder has a new id; the old one is
 * removed. Only `[a-z0-9-]` (BullMQ refuses `:` and all-digit ids).
 */
export const reminderJobId = (caseId: string, reminder: Pick<PendingReminder, 'key' | 'at'>): string =>
  `reminder-${caseId}-${reminder.key}-${Date.parse(reminder.at)}`;

/** The states a scheduled job can be in before it has run (and while it runs). */
export const SCHEDULED_STATES: JobType[] = ['delayed', 'waiting', 'prioritized', 'active'];

export interface ReminderJob {
  readonly name: string;
  readonly data: ReminderJobData;
  readonly opts: JobsOptions & { jobId: string };
}

/** The BullMQ job of a reminder, delayed until it fires (`firesAt`; at once if that is past). */
export function reminderJob(caseId: string, reminder: PendingReminder, now: number): ReminderJob {
  return {
    name: reminder.kind,
    data: { ...reminder, caseId },
    opts: {
      jobId: reminderJobId(caseId, reminder),
      delay: Math.max(0, Date.parse(firesAt(reminder)) - now),
      // A failed attempt (the store or Redis away) is retried; raising is idempotent.
      attempts: 8,
      backoff: { type: 'exponential', delay: 500 },
      // Gone once run, so the same id can be scheduled again if the deadline comes back (a
      // reconsideration reverses a decision). What ran is in the case's stream, not here; a job
      // that failed every attempt is logged and comes back with the next reconciliation.
      removeOnComplete: true,
      removeOnFail: true,
    },
  };
}

/** The case's reminders the subscription should hold at `now` (the policy's deadlines, `pendingReminders`). */
export type PendingRemindersOf = (state: CaseState, now: Date) => PendingReminder[];

export interface ReminderKeys {
  /** Who runs the reminder subscription (a `LeaseLock`): one process at a time. */
  readonly lease: string;
  /** Where the subscription has scheduled up to: a position in `$all` (`formatPosition`). */
  readonly checkpoint: string;
  /** The ids of the jobs the subscription holds for a case (a set). */
  caseJobs(caseId: string): string;
  readonly caseJobsPattern: string;
}

export function reminderKeys(prefix: string): ReminderKeys {
  const root = `${prefix}:reminders`;
  return {
    lease: `${root}:lease`,
    checkpoint: `${root}:checkpoint`,
    caseJobs: (caseId) => `${root}:case:${caseId}`,
    caseJobsPattern: `${root}:case:*`,
  };
}

/** BullMQ's key prefix under the project's Redis key prefix. */
export const bullPrefix = (prefix: string): string => `${prefix}:bull`;
