import { caseDecider } from '../case/case-decider';
import type { CaseEvent, ReminderRaised } from '../case/case-events';
import type { CaseState } from '../case/case-state';
import type { Decider } from '../shared/decider';
import type { WorkingDayCalendar } from './calendar';
import { deadlinesFor, lengthAfter, nextReminderAfter, shareExpiryKey, type Deadline } from './deadlines';
import type { DeadlinePolicy, Length } from './policy';

/** One reminder of one deadline, as a scheduler holds it until it fires. */
export interface PendingReminder {
  /** The deadline's key (unique within the case). */
  readonly key: string;
  readonly kind: Deadline['kind'];
  readonly label: string;
  readonly dueAt: string;
  /** The reminder's own time, ISO 8601 UTC: with `key`, what it is unique by. */
  readonly at: string;
  /**
   * When a back-dated reminder (already past when its deadline's fact was entered) may be raised:
   * the policy's grace after the entry. Absent: it fires at `at`.
   */
  readonly firesAt?: string;
  /** A back-dated reminder, raised late (`ReminderRaised.late`). */
  readonly late?: true;
}

/** When the scheduler should run a reminder's job. */
export const firesAt = (reminder: Pick<PendingReminder, 'at' | 'firesAt'>): string => reminder.firesAt ?? reminder.at;

/**
 * A bound on the steps of a walk that starts at most `longestGap` before now (a few at most): a
 * walk that somehow went on longer is cut short, never looped on.
 */
const MAX_STEPS = 100;

const DAY_MS = 86_400_000;

/**
 * More than the longest time between two repeats `every` apart: a local day is at most 25 hours,
 * and `n` working days never span more than `2n + 10` calendar days (weekends, and at most four
 * days off in a row, at Christmas). Generous on purpose: too long costs a step or two, too short
 * would miss a repeat.
 */
function longestGap(every: Length): number {
  switch (every.unit) {
    case 'seconds':
      return 2 * every.amount * 1_000;
    case 'hours':
      return 2 * every.amount * 3_600_000;
    case 'calendar_days':
      return (every.amount + 1) * DAY_MS;
    case 'working_days':
      return (2 * every.amount + 10) * DAY_MS;
  }
}

const ms = (instant: string) => Date.parse(instant);

/** The raised reminders of one deadline (by key), as times in ms. */
function raisedTimes(state: CaseState, key: string): number[] {
  const prefix = `${key}@`;
  return (state.remindersRaised ?? []).filter((id) => id.startsWith(prefix)).map((id) => ms(id.slice(prefix.length)));
}

function labelOf(deadline: Deadline, at: number): string {
  return deadline.reminders.find((reminder) => ms(reminder.at) === at)?.label ?? 'repeat';
}

const isListed = (deadline: Deadline, at: number) => deadline.reminders.some((reminder) => ms(reminder.at) === at);

/** The last listed reminder's time (the due time if none are listed): repeats follow it. */
const lastListedAt = (deadline: Deadline): string => deadline.reminders.at(-1)?.at ?? deadline.dueAt;

/** When the deadline's first repeat falls (after its listed reminders); never, without repeats. */
function firstRepeat(deadline: Deadline, calendar: WorkingDayCalendar): number {
  if (!deadline.repeatEvery) return Infinity;
  const next = nextReminderAfter(deadline, lastListedAt(deadline), calendar);
  return next === undefined ? Infinity : ms(next);
}

/** The deadline's reminder at `at`, if `at` is one of its listed reminders or one of its repeats. */
function isScheduled(deadline: Deadline, at: number, calendar: WorkingDayCalendar): boolean {
  if (isListed(deadline, at)) return true;
  const next = nextReminderAfter(deadline, new Date(at - 1).toISOString(), calendar);
  return next !== undefined && ms(next) === at;
}

/** The deadline's latest reminder (listed, or a repeat) at or before `instant`, in ms. */
function latestUpTo(deadline: Deadline, instant: number, calendar: WorkingDayCalendar): number | undefined {
  const listed = deadline.reminders.map((r) => ms(r.at)).filter((at) => at <= instant);
  let latest = listed.length > 0 ? Math.max(...listed) : undefined;
  const lastListed = ms(lastListedAt(deadline));
  if (!deadline.repeatEvery || lastListed >= instant) return latest;
  let cursor = Math.max(lastListed, instant - longestGap(deadline.repeatEvery));
  for (let step = 0; step < MAX_STEPS; step++) {
    const next = nextReminderAfter(deadline, new Date(cursor).toISOString(), calendar);
    if (next === undefined || ms(next) > instant) break;
    cursor = ms(next);
    latest = cursor;
  }
  return latest;
}

/**
 * A back-dated entry (domain page: caseworkers often record days later): the reminders of a
 * deadline that were already past when the fact starting it was entered. Of those, only the
 * latest is kept, held until the policy's grace after the entry (so the rest of the case's past
 * can be entered first) and raised then, marked late, if the deadline still stands. `undefined`
 * when the deadline was entered with no reminder past.
 */
function backdating(
  deadline: Deadline,
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): { readonly entered: number; readonly latest: number | undefined; readonly heldUntil: string } | undefined {
  if (deadline.enteredAt === undefined) return undefined;
  const entered = ms(deadline.enteredAt);
  return {
    entered,
    latest: latestUpTo(deadline, entered, calendar),
    heldUntil: lengthAfter(policy.backdatedGrace, deadline.enteredAt, policy, calendar),
  };
}

/**
 * The reminders a scheduler should hold for one deadline at `now`, given the ones already raised:
 * every listed reminder not yet raised, past or to come (a worker that was down, or Redis
 * emptied, still raises each one once, late); and of its repeats, only the latest already past
 * and the next to come, so a long outage (or a case recorded long after the fact) gives one late
 * repeat rather than a burst. A repeat already past supersedes the listed reminders before it.
 */
export function pendingRemindersOf(
  deadline: Deadline,
  raised: readonly number[],
  now: number,
  calendar: WorkingDayCalendar,
  policy: DeadlinePolicy,
): PendingReminder[] {
  const lastRaised = raised.length > 0 ? Math.max(...raised) : -Infinity;
  const reminder = (at: number): PendingReminder => ({
    key: deadline.key,
    kind: deadline.kind,
    label: labelOf(deadline, at),
    dueAt: deadline.dueAt,
    at: new Date(at).toISOString(),
  });
  const listed = deadline.reminders.map((r) => ms(r.at)).filter((at) => !raised.includes(at));
  const future = listed.filter((at) => at > now);
  const past = listed.filter((at) => at <= now);
  let latestRepeat: number | undefined;
  if (future.length === 0 && deadline.repeatEvery) {
    // Walk the repeats on from the last reminder raised or listed, up to now and one beyond. The
    // repeats are counted from the last listed reminder wherever the walk starts, so it starts at
    // most one repeat's length before now: a case years overdue takes a step or two, not one per
    // day since (which took 70 ms a case for daily repeats from 2025, and seconds for working days).
    let cursor = Math.max(lastRaised, ms(lastListedAt(deadline)), now - longestGap(deadline.repeatEvery));
    for (let step = 0; step < MAX_STEPS; step++) {
      const next = nextReminderAfter(deadline, new Date(cursor).toISOString(), calendar);
      if (next === undefined) break;
      cursor = ms(next);
      if (cursor > now) {
        future.push(cursor);
        break;
      }
      latestRepeat = cursor;
    }
  }
  // A repeat already past (raised or not) says all the listed ones said, and later: they are
  // superseded (as `decideReminder` judges them).
  const superseded = past.length > 0 && firstRepeat(deadline, calendar) <= now;
  const owed = [...(superseded ? [] : past), ...(latestRepeat !== undefined ? [latestRepeat] : [])];
  const backdated = backdating(deadline, policy, calendar);
  if (!backdated) return [...owed, ...future].map(reminder);
  return [...owed, ...future]
    .filter((at) => at > backdated.entered || at === backdated.latest)
    .map((at) =>
      at > backdated.entered ? reminder(at) : { ...reminder(at), firesAt: backdated.heldUntil, late: true as const },
    );
}

/** Every reminder a scheduler should hold for a case at `now` (none for a closed case). */
export function pendingReminders(
  state: CaseState,
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
  now: Date,
): PendingReminder[] {
  return deadlinesFor(state, policy, calendar).flatMap((deadline) =>
    pendingRemindersOf(deadline, raisedTimes(state, deadline.key), now.getTime(), calendar, policy),
  );
}

/** What the reminder processor should do with a reminder that has come due. */
export type ReminderDecision =
  | { readonly outcome: 'raise'; readonly event: ReminderRaised }
  /** Its time has not come (a job that ran early): try again at `at`. */
  | { readonly outcome: 'not_yet'; readonly at: string }
  | {
      readonly outcome: 'skip';
      readonly reason: 'no_such_deadline' | 'not_scheduled' | 'already_raised' | 'superseded' | 'backdated_superseded';
    };

/** A reminder the processor raises: what its event says of it. */
export type RaisedReminder = ReminderRaised['data'];

/** What `decideReminderOf` says: raise (with what to say), wait, or skip. */
export type ReminderRuling =
  { readonly outcome: 'raise'; readonly reminder: RaisedReminder } | Exclude<ReminderDecision, { outcome: 'raise' }>;

/**
 * Re-checks a reminder against the case as it is now (the processor's rule): raise it only if the
 * deadline still stands with this reminder in its schedule (not moved, not settled) and it has not
 * been raised, nor superseded by a repeat already past (as `pendingReminders` holds). At most
 * once: the event it raises is what `already_raised` finds next time. A reminder late is still
 * raised, even after a later listed one of the same deadline. A back-dated one (past when its
 * fact was entered) waits for the policy's grace after the entry, only the latest of its
 * deadline's is raised, and it is marked late.
 */
export function decideReminder(
  state: CaseState,
  reminder: { readonly key: string; readonly at: string },
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
  now: Date,
): ReminderDecision {
  const deadline = deadlinesFor(state, policy, calendar).find((candidate) => candidate.key === reminder.key);
  const ruling = decideReminderOf(
    deadline,
    deadline ? raisedTimes(state, deadline.key) : [],
    reminder,
    policy,
    calendar,
    now,
  );
  return ruling.outcome === 'raise'
    ? { outcome: 'raise', event: { type: 'ReminderRaised', data: ruling.reminder } }
    : ruling;
}

/**
 * `decideReminder`'s rule for one deadline (`undefined`: it no longer stands) given the times of
 * its reminders already raised, whatever holds them (a case, a MARAC meeting's action).
 */
export function decideReminderOf(
  deadline: Deadline | undefined,
  raised: readonly number[],
  reminder: { readonly key: string; readonly at: string },
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
  now: Date,
): ReminderRuling {
  if (!deadline) return { outcome: 'skip', reason: 'no_such_deadline' };
  const at = ms(reminder.at);
  if (!Number.isFinite(at) || !isScheduled(deadline, at, calendar)) return { outcome: 'skip', reason: 'not_scheduled' };
  if (raised.includes(at)) return { outcome: 'skip', reason: 'already_raised' };
  if (isListed(deadline, at) && firstRepeat(deadline, calendar) <= now.getTime()) {
    return { outcome: 'skip', reason: 'superseded' };
  }
  if (at > now.getTime()) return { outcome: 'not_yet', at: new Date(at).toISOString() };
  const backdated = backdating(deadline, policy, calendar);
  const late = backdated !== undefined && at <= backdated.entered;
  if (late && at !== backdated.latest) return { outcome: 'skip', reason: 'backdated_superseded' };
  if (late && ms(backdated.heldUntil) > now.getTime()) return { outcome: 'not_yet', at: backdated.heldUntil };
  return {
    outcome: 'raise',
    reminder: {
      key: deadline.key,
      kind: deadline.kind,
      label: labelOf(deadline, at),
      dueAt: deadline.dueAt,
      reminderAt: new Date(at).toISOString(),
      ...(late ? { late: true } : {}),
    },
  };
}

/** The processor's command: raise this reminder if it is still due (`decideReminder`). */
export interface RaiseReminder {
  readonly type: 'RaiseReminder';
  readonly data: { readonly key: string; readonly at: string };
}

/** `decideReminder` said not to raise it: nothing is written. */
export class ReminderNotRaised extends Error {
  override readonly name = 'ReminderNotRaised';
  constructor(readonly decision: Exclude<ReminderDecision, { outcome: 'raise' }>) {
    super(decision.outcome === 'not_yet' ? `not due until ${decision.at}` : decision.reason);
  }
}

/**
 * The case stream's decider for the reminder processor: folds like `caseDecider` (with recorded
 * instants, which second- and hour-long deadlines run from) and decides with `decideReminder`,
 * throwing `ReminderNotRaised` when there is nothing to write.
 */
export function reminderDecider(
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): Decider<RaiseReminder, CaseEvent, CaseState> {
  return {
    initialState: caseDecider.initialState,
    evolve: caseDecider.evolve,
    decide: (command, state, { now }) => {
      const decision = decideReminder(state, command.data, policy, calendar, now);
      if (decision.outcome !== 'raise') throw new ReminderNotRaised(decision);
      return [eventOfReminder(state, decision.event)];
    },
  };
}

/**
 * What a reminder due records: `ReminderRaised`, except that a share's expiry ends the share
 * (`CaseShareExpired`), which settles its deadline, so it too is written once.
 */
function eventOfReminder(state: CaseState, raised: ReminderRaised): CaseEvent {
  if (raised.data.kind !== 'share_expiry') return raised;
  const share = state.shares?.find((candidate) => shareExpiryKey(candidate.shareId) === raised.data.key);
  if (!share) throw new Error(`no share has the expiry deadline ${raised.data.key}`);
  return { type: 'CaseShareExpired', data: { shareId: share.shareId, expiredAt: raised.data.reminderAt } };
}
