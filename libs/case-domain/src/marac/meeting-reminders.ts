import type { Decider } from '../shared/decider';
import type { WorkingDayCalendar } from '../deadline/calendar';
import { maracActionDeadline, maracActionDeadlines, type MaracActionDeadline } from '../deadline/deadlines';
import type { DeadlinePolicy } from '../deadline/policy';
import {
  decideReminderOf,
  pendingRemindersOf,
  ReminderNotRaised,
  type PendingReminder,
  type ReminderRuling,
} from '../deadline/reminders';
import { maracMeetingDecider, type MaracActionState, type MaracMeetingState } from './meeting';
import type { MaracActionReminderRaised, MaracMeetingEvent } from './meeting-events';

/** One reminder of an open action's deadline, with the action and its case (what a job carries). */
export interface PendingMaracActionReminder extends PendingReminder {
  readonly actionId: string;
  readonly caseId: string;
}

const raisedTimes = (action: MaracActionState): number[] => (action.remindersRaised ?? []).map(Date.parse);

/**
 * Every reminder a scheduler should hold for a meeting's actions at `now` (`pendingRemindersOf`
 * for each open action's deadline): none for a completed action, each listed one not yet raised.
 */
export function pendingMaracActionReminders(
  meeting: MaracMeetingState,
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
  now: Date,
): PendingMaracActionReminder[] {
  return maracActionDeadlines(meeting, policy, calendar).flatMap((deadline) =>
    pendingRemindersOf(deadline, raisedTimes(meeting.actions[deadline.actionId]!), now.getTime(), calendar, policy).map(
      (reminder) => ({ ...reminder, actionId: deadline.actionId, caseId: deadline.caseId! }),
    ),
  );
}

/** What the processor should do with an action's reminder that has come due. */
export type MaracActionReminderDecision =
  | { readonly outcome: 'raise'; readonly event: MaracActionReminderRaised }
  | Exclude<ReminderRuling, { outcome: 'raise' }>;

/**
 * Re-checks an action's reminder against the meeting as it is now (`decideReminderOf`, the case
 * reminders' rule): raised only while the action is open (agreed, not completed) with this
 * reminder in its deadline's schedule, and only once (the event is what `already_raised` finds).
 */
export function decideMaracActionReminder(
  meeting: MaracMeetingState,
  reminder: { readonly actionId: string; readonly key: string; readonly at: string },
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
  now: Date,
): MaracActionReminderDecision {
  const action = meeting.actions[reminder.actionId];
  const deadline: MaracActionDeadline | undefined =
    action && !action.completed
      ? maracActionDeadline({ ...action, actionId: reminder.actionId }, policy, calendar)
      : undefined;
  const standing = deadline?.key === reminder.key ? deadline : undefined;
  const ruling = decideReminderOf(standing, action ? raisedTimes(action) : [], reminder, policy, calendar, now);
  if (ruling.outcome !== 'raise') return ruling;
  const { kind: _kind, ...said } = ruling.reminder;
  return {
    outcome: 'raise',
    event: {
      type: 'MaracActionReminderRaised',
      data: { actionId: reminder.actionId, caseId: action!.caseId, ...said },
    },
  };
}

/** The processor's command on a meeting: raise this action's reminder if it is still due. */
export interface RaiseMaracActionReminder {
  readonly type: 'RaiseMaracActionReminder';
  readonly data: { readonly actionId: string; readonly key: string; readonly at: string };
}

/**
 * The meeting stream's decider for the reminder processor: folds like `maracMeetingDecider` and
 * decides with `decideMaracActionReminder`, throwing `ReminderNotRaised` when there is nothing to write.
 */
export function maracActionReminderDecider(
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): Decider<RaiseMaracActionReminder, MaracMeetingEvent, MaracMeetingState> {
  return {
    initialState: maracMeetingDecider.initialState,
    evolve: maracMeetingDecider.evolve,
    decide: (command, meeting, { now }) => {
      const decision = decideMaracActionReminder(meeting, command.data, policy, calendar, now);
      if (decision.outcome !== 'raise') throw new ReminderNotRaised(decision);
      return [decision.event];
    },
  };
}
