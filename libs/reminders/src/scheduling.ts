import type Redis from 'ioredis';
import type { Queue } from 'bullmq';
import { firesAt, type CaseState, type MaracMeetingState } from '@app/case-domain';
import type { EventStore } from '@app/event-store';
import {
  meetingReminderJob,
  reminderJob,
  type PendingMeetingRemindersOf,
  type PendingRemindersOf,
  type ReminderJob,
  type ReminderKeys,
} from './reminder-jobs';

/** What scheduling reminders works with: the store, Redis, the queue, and how a case's reminders are derived. */
export interface Scheduling {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly queue: Queue;
  readonly keys: ReminderKeys;
  readonly pendingOf: PendingRemindersOf;
  readonly meetingPendingOf: PendingMeetingRemindersOf;
  readonly now: () => Date;
  readonly log: (message: string) => void;
}

/** The jobs of the reminders a case should have waiting at `now`. */
export function jobsOf(scheduling: Scheduling, caseId: string, state: CaseState, now: Date): ReminderJob[] {
  return scheduling.pendingOf(state, now).map((reminder) => reminderJob(caseId, reminder, now.getTime()));
}

/** The jobs of the reminders a MARAC meeting's open actions should have waiting at `now`. */
export function meetingJobsOf(scheduling: Scheduling, meetingId: string, meeting: MaracMeetingState, now: Date) {
  return scheduling
    .meetingPendingOf(meeting, now)
    .map((reminder) => meetingReminderJob(meetingId, reminder, now.getTime()));
}

/** Adds in bulk (an existing id is left as it is) and removes (a job running now is left to its re-check). */
export async function applyJobs(
  { queue, now }: Scheduling,
  add: readonly ReminderJob[],
  remove: readonly string[],
): Promise<void> {
  // A few bulks in flight at once, so Redis works while the next is serialised.
  const chunks: ReminderJob[][] = [];
  for (let start = 0; start < add.length; start += 1_000) chunks.push(add.slice(start, start + 1_000));
  const addChunks = async () => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      // Delays count from the moment of adding.
      const at = now().getTime();
      await queue.addBulk(
        chunk.map((job) => ({ ...job, opts: { ...job.opts, delay: Math.max(0, Date.parse(firesAt(job.data)) - at) } })),
      );
    }
  };
  await Promise.all([addChunks(), addChunks(), addChunks(), addChunks()]);
  await Promise.all(remove.map((id) => queue.remove(id).catch(() => 0)));
}

/**
 * Deriving a case's reminders can take milliseconds (an old case walks its repeats up to now), and
 * other work (the projections in `npm start`, the processor) shares this thread: between cases,
 * give the event loop a turn every 10 ms.
 */
export function breather(everyMs = 10): () => Promise<void> {
  let since = Date.now();
  return async () => {
    if (Date.now() - since < everyMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = Date.now();
  };
}
