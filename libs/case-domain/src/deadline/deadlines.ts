import { DateTime } from 'luxon';
import type { CaseState } from '../case/case-state';
import type { LocalDate } from '../shared/local-date';
import { addCalendarDays, addWorkingDays, atLondonTime, londonDate, type WorkingDayCalendar } from './calendar';
import type { DeadlinePolicy, Length } from './policy';

export type DeadlineKind =
  | 'referral_decision'
  | 'consent_decision'
  | 'reasonable_grounds_decision'
  | 'recovery_period'
  | 'conclusive_grounds_decision'
  | 'move_on_support'
  | 'follow_up'
  | 'placement_review'
  | 'missing_person_check'
  | 'marac_action';

export interface Reminder {
  readonly at: string;
  readonly label: string;
}

/** A deadline that applies to a case now: when it falls due and when to remind about it. */
export interface Deadline {
  readonly kind: DeadlineKind;
  /** Unique within the case and stable (`follow-up-2`): safe in a BullMQ job id (no `:`, not all digits). */
  readonly key: string;
  readonly dueAt: string;
  /** The London date it falls due on. */
  readonly dueOn: LocalDate;
  readonly reminders: readonly Reminder[];
  /** After the last reminder, remind again this often while the deadline stands. */
  readonly repeatEvery?: Length;
}

/** Counts a length on from a start (a date, and the instant it was recorded where known). */
function after(
  length: Length,
  from: { readonly on: LocalDate; readonly at?: string },
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): { dueAt: string; dueOn: LocalDate } {
  switch (length.unit) {
    case 'calendar_days': {
      const dueOn = addCalendarDays(from.on, length.amount);
      return { dueOn, dueAt: atLondonTime(dueOn, policy.timeOfDay) };
    }
    case 'working_days': {
      const dueOn = addWorkingDays(calendar, from.on, length.amount);
      return { dueOn, dueAt: atLondonTime(dueOn, policy.timeOfDay) };
    }
    case 'hours':
    case 'seconds': {
      const start = from.at ?? atLondonTime(from.on, '00:00');
      const dueAt = DateTime.fromISO(start, { zone: 'utc' })
        .plus(length.unit === 'hours' ? { hours: length.amount } : { seconds: length.amount })
        .toUTC()
        .toISO()!;
      return { dueAt, dueOn: londonDate(dueAt) };
    }
  }
}

/** The reminder `length` before a due time (on the same terms as the deadline's own length). */
function before(
  length: Length,
  due: { dueAt: string; dueOn: LocalDate },
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): string {
  const back: Length = { ...length, amount: -length.amount };
  return after(back, { on: due.dueOn, at: due.dueAt }, policy, calendar).dueAt;
}

/**
 * The deadlines that should exist for a case now (domain page, "Deadlines and reminders"): what
 * starts each, what settles it (a settled deadline is simply absent), its length from `policy`,
 * counted on `calendar`. A closed case has none.
 */
export function deadlinesFor(state: CaseState, policy: DeadlinePolicy, calendar: WorkingDayCalendar): Deadline[] {
  if (!state.exists || state.closed || !state.identifiedOn) return [];
  const at = state.startedAt ?? {};
  const deadlines: Deadline[] = [];
  const add = (
    kind: DeadlineKind,
    key: string,
    due: { dueAt: string; dueOn: LocalDate },
    reminders: readonly Reminder[],
    repeatEvery?: Length,
  ) => deadlines.push({ kind, key, ...due, reminders, ...(repeatEvery ? { repeatEvery } : {}) });
  const atDue = (due: { dueAt: string }): Reminder => ({ at: due.dueAt, label: 'due' });

  if (!state.exit) {
    const identified = { on: state.identifiedOn, at: at.identified };
    if (!state.referredOn && !state.dutyToNotifyOn) {
      const due = after(policy.referralDecision, identified, policy, calendar);
      add('referral_decision', 'referral-decision', due, [atDue(due)], policy.referralDecisionRepeat);
    }
    if (state.consent === 'awaiting') {
      const due = after(policy.consentDecision, identified, policy, calendar);
      add('consent_decision', 'consent-decision', due, [atDue(due)]);
    }
    if (state.referredOn && !state.reasonableGrounds) {
      const due = after(policy.reasonableGroundsDecision, { on: state.referredOn, at: at.referred }, policy, calendar);
      add(
        'reasonable_grounds_decision',
        'reasonable-grounds-decision',
        due,
        [atDue(due)],
        policy.reasonableGroundsRepeat,
      );
    }
    const rg = state.reasonableGrounds;
    if (rg?.outcome === 'positive' && !state.conclusiveGrounds) {
      const recovery = after(policy.recoveryPeriod, { on: rg.decidedOn, at: at.reasonableGrounds }, policy, calendar);
      add('recovery_period', 'recovery-period', recovery, [
        { at: before(policy.recoveryPeriodReminderBefore, recovery, policy, calendar), label: 'before due' },
        atDue(recovery),
      ]);
      const firstChase = after(
        policy.conclusiveGroundsRepeat,
        { on: recovery.dueOn, at: recovery.dueAt },
        policy,
        calendar,
      );
      add(
        'conclusive_grounds_decision',
        'conclusive-grounds-decision',
        recovery,
        [{ at: firstChase.dueAt, label: 'overdue' }],
        policy.conclusiveGroundsRepeat,
      );
    }
    const cg = state.conclusiveGrounds;
    if (cg && !(cg.outcome === 'negative' && state.pendingReconsideration?.decision === 'conclusive_grounds')) {
      const positive = cg.outcome === 'positive';
      const length = positive ? policy.moveOnAfterPositive : policy.moveOnAfterNegative;
      const warn = positive ? policy.moveOnAfterPositiveReminderBefore : policy.moveOnAfterNegativeReminderBefore;
      const due = after(length, { on: cg.decidedOn, at: at.conclusiveGrounds }, policy, calendar);
      add('move_on_support', 'move-on-support', due, [
        { at: before(warn, due, policy, calendar), label: 'before due' },
        atDue(due),
      ]);
    }
    if (state.activePlacement) {
      const start = { on: state.activePlacement.lastChangedOn, at: at.placement };
      const due = after(policy.placementReview, start, policy, calendar);
      add('placement_review', 'placement-review', due, [atDue(due)], policy.placementReview);
    }
  } else {
    policy.followUps.forEach((length, index) => {
      if (index < state.followUpsCompleted) return;
      const due = after(length, { on: state.exit!.exitedOn, at: at.exit }, policy, calendar);
      add('follow_up', `follow-up-${index + 1}`, due, [atDue(due)]);
    });
  }
  if (state.missingSince) {
    const every = state.child ? policy.missingCheckChild : policy.missingCheckAdult;
    const due = after(every, { on: state.missingSince, at: at.missing }, policy, calendar);
    add('missing_person_check', 'missing-person-check', due, [atDue(due)], every);
  }
  return deadlines;
}

/** A MARAC action: due on its own date (at the policy's time of day), reminded before and at due. */
export function maracActionDeadline(
  action: { readonly actionId: string; readonly dueOn: LocalDate },
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): Deadline {
  const due = { dueOn: action.dueOn, dueAt: atLondonTime(action.dueOn, policy.timeOfDay) };
  return {
    kind: 'marac_action',
    key: `marac-action-${action.actionId}`.replace(/[^A-Za-z0-9-]/g, '-'),
    ...due,
    reminders: [
      { at: before(policy.maracActionReminderBefore, due, policy, calendar), label: 'before due' },
      { at: due.dueAt, label: 'due' },
    ],
  };
}

/**
 * The next reminder of a deadline strictly after `instant`: one of its listed reminders, or
 * else a repeat (every `repeatEvery` after the last listed one); none when it does not repeat.
 */
export function nextReminderAfter(
  deadline: Deadline,
  instant: string,
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): string | undefined {
  const listed = deadline.reminders.map((reminder) => reminder.at).sort();
  const next = listed.find((at) => Date.parse(at) > Date.parse(instant));
  if (next || !deadline.repeatEvery || listed.length === 0) return next;
  let at = listed.at(-1)!;
  for (let guard = 0; guard < 100_000 && Date.parse(at) <= Date.parse(instant); guard++) {
    at = after(deadline.repeatEvery, { on: londonDate(at), at }, policy, calendar).dueAt;
  }
  return at;
}
