import {
  CASE_STREAM_PREFIX,
  firesAt,
  MEETING_STREAM_PREFIX,
  pendingMaracActionReminders,
  pendingReminders,
  type DeadlinePolicy,
  type WorkingDayCalendar,
  type CaseState,
  type MaracMeetingState,
  type PendingMaracActionReminder,
  type PendingReminder,
} from '@app/case-domain';
import type { JobsOptions, JobType } from 'bullmq';

/** The streams reminders are derived from: cases, and MARAC meetings (their actions' deadlines). */
export const REMINDER_STREAMS = { on: 'streamName', prefixes: [CASE_STREAM_PREFIX, MEETING_STREAM_PREFIX] } as const;

/** The BullMQ queue the reminders wait in (its keys live under `<REDIS_KEY_PREFIX>:bull`). */
export const REMINDER_QUEUE = 'reminders';

/**
 * What a reminder job carries: enough to re-check the case when it fires, or, for a MARAC
 * action's reminder, the meeting (`meetingId`, `actionId`; `caseId` is the case the action is about).
 */
export interface ReminderJobData extends PendingReminder {
  readonly caseId: string;
  readonly meetingId?: string;
  readonly actionId?: string;
}

/**
 * The deterministic job id of one reminder of one deadline of one case: scheduling it twice adds
 * one job (BullMQ ignores an add whose id exists). A moved reminder has a new id; the old one is
 * removed. Only `[a-z0-9-]` (BullMQ refuses `:` and all-digit ids).
 */
export const reminderJobId = (caseId: string, reminder: Pick<PendingReminder, 'key' | 'at'>): string =>
  `${caseJobPrefix(caseId)}${reminder.key}-${Date.parse(reminder.at)}`;

/** What the ids of a case's reminder jobs start with. */
export const caseJobPrefix = (caseId: string): string => `reminder-${caseId}-`;

const MEETING_JOB_PREFIX = 'meeting-reminder-';

/** The same for one reminder of a MARAC meeting's action (its key names the action). */
export const meetingReminderJobId = (meetingId: string, reminder: Pick<PendingReminder, 'key' | 'at'>): string =>
  `${meetingJobPrefix(meetingId)}${reminder.key}-${Date.parse(reminder.at)}`;

/** What the ids of a meeting's reminder jobs start with. */
export const meetingJobPrefix = (meetingId: string): string => `${MEETING_JOB_PREFIX}${meetingId}-`;

/** The id every reminder job's id starts with: a case's, or a meeting's. */
export const REMINDER_JOB_PREFIXES = ['reminder-', MEETING_JOB_PREFIX] as const;

/** The states a scheduled job can be in before it has run (and while it runs). */
export const SCHEDULED_STATES: JobType[] = ['delayed', 'waiting', 'prioritized', 'active'];

export interface ReminderJob {
  readonly name: string;
  readonly data: ReminderJobData;
  readonly opts: JobsOptions & { jobId: string };
}

/** The BullMQ job of a case's reminder, delayed until it fires (`firesAt`; at once if that is past). */
export const reminderJob = (caseId: string, reminder: PendingReminder, now: number): ReminderJob =>
  jobOf(reminderJobId(caseId, reminder), { ...reminder, caseId }, now);

/** The BullMQ job of a MARAC action's reminder, on its meeting. */
export const meetingReminderJob = (meetingId: string, reminder: PendingMaracActionReminder, now: number): ReminderJob =>
  jobOf(meetingReminderJobId(meetingId, reminder), { ...reminder, meetingId }, now);

function jobOf(jobId: string, data: ReminderJobData, now: number): ReminderJob {
  return {
    name: data.kind,
    data,
    opts: {
      jobId,
      delay: Math.max(0, Date.parse(firesAt(data)) - now),
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

/** A MARAC meeting's action reminders the subscription should hold at `now` (`pendingMaracActionReminders`). */
export type PendingMeetingRemindersOf = (meeting: MaracMeetingState, now: Date) => PendingMaracActionReminder[];

/** Both, under a deadline policy: what a worker (or `npm run reminders:reconcile`) schedules. */
export const remindersUnder = (
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): { readonly pendingOf: PendingRemindersOf; readonly meetingPendingOf: PendingMeetingRemindersOf } => ({
  pendingOf: (state, now) => pendingReminders(state, policy, calendar, now),
  meetingPendingOf: (meeting, now) => pendingMaracActionReminders(meeting, policy, calendar, now),
});

export interface ReminderKeys {
  /** Who runs the reminder subscription (a `LeaseLock`): one process at a time. */
  readonly lease: string;
  /** Where the subscription has scheduled up to: a position in `$all` (`formatPosition`). */
  readonly checkpoint: string;
  /** The ids of the jobs the subscription holds for a case (a set). */
  caseJobs(caseId: string): string;
  readonly caseJobsPattern: string;
  /** The same for a MARAC meeting's action reminders. */
  meetingJobs(meetingId: string): string;
  readonly meetingJobsPattern: string;
}

export function reminderKeys(prefix: string): ReminderKeys {
  const root = `${prefix}:reminders`;
  return {
    lease: `${root}:lease`,
    checkpoint: `${root}:checkpoint`,
    caseJobs: (caseId) => `${root}:case:${caseId}`,
    caseJobsPattern: `${root}:case:*`,
    meetingJobs: (meetingId) => `${root}:meeting:${meetingId}`,
    meetingJobsPattern: `${root}:meeting:*`,
  };
}

/** BullMQ's key prefix under the project's Redis key prefix. */
export const bullPrefix = (prefix: string): string => `${prefix}:bull`;
