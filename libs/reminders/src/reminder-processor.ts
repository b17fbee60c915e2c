import {
  caseStream,
  maracActionReminderDecider,
  maracMeetingStream,
  reminderDecider,
  ReminderNotRaised,
  systemActor,
  type DeadlinePolicy,
  type WorkingDayCalendar,
} from '@app/case-domain';
import { handleCommand, type CommandEnvelope } from '@app/command-handling';
import { formatPosition, type EventStore } from '@app/event-store';
import { DelayedError, type Job } from 'bullmq';
import type { ReminderJobData } from './reminder-jobs';

/** What the processor did with one reminder job (kept as the job's result, and logged). */
export type ReminderOutcome =
  | { readonly outcome: 'raised'; readonly position: string; readonly replayed: boolean }
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'not_yet'; readonly at: string };

export interface ReminderProcessorDeps {
  readonly store: EventStore;
  readonly policy: DeadlinePolicy;
  readonly calendar: WorkingDayCalendar;
  readonly now?: () => Date;
}

/** Who the audit trail says raised a reminder. */
export const REMINDER_ACTOR = systemActor('reminder-processor');

/**
 * Runs one reminder job: re-checks the case as it is now and appends `ReminderRaised` only if
 * the deadline still stands with this reminder due and not yet raised (`decideReminder`); a MARAC
 * action's reminder likewise on its meeting (`MaracActionReminderRaised`, only while the action is
 * open: `decideMaracActionReminder`). At most once however often it runs and however many workers
 * race: the append is conditional on the revision read (the loser re-reads and finds it raised),
 * and the job id is the command's Idempotency-Key besides.
 */
export async function processReminder(
  jobId: string,
  data: ReminderJobData,
  deps: ReminderProcessorDeps,
): Promise<ReminderOutcome> {
  const context: CommandEnvelope = {
    actor: REMINDER_ACTOR,
    correlationId: jobId,
    causationId: jobId,
    idempotencyKey: jobId,
    now: deps.now ?? (() => new Date()),
  };
  const { key, at } = data;
  try {
    const result =
      data.meetingId !== undefined && data.actionId !== undefined
        ? await handleCommand(
            deps.store,
            maracActionReminderDecider(deps.policy, deps.calendar),
            maracMeetingStream(data.meetingId),
            { type: 'RaiseMaracActionReminder', data: { actionId: data.actionId, key, at } },
            context,
          )
        : await handleCommand(
            deps.store,
            reminderDecider(deps.policy, deps.calendar),
            caseStream(data.caseId),
            { type: 'RaiseReminder', data: { key, at } },
            context,
          );
    return { outcome: 'raised', position: formatPosition(result.position), replayed: result.replayed };
  } catch (error) {
    if (!(error instanceof ReminderNotRaised)) throw error;
    const { decision } = error;
    return decision.outcome === 'not_yet' ? decision : { outcome: 'skipped', reason: decision.reason };
  }
}

/**
 * `processReminder` as a BullMQ processor: a job that ran early goes back to waiting until its
 * time (`DelayedError`: not a failed attempt); anything else is its result.
 */
export async function runReminderJob(
  job: Job<ReminderJobData>,
  token: string | undefined,
  deps: ReminderProcessorDeps,
): Promise<Exclude<ReminderOutcome, { outcome: 'not_yet' }>> {
  const outcome = await processReminder(job.id!, job.data, deps);
  if (outcome.outcome === 'not_yet') {
    await job.moveToDelayed(Date.parse(outcome.at), token);
    throw new DelayedError();
  }
  return outcome;
}
