import type { CaseState, DeadlineStart } from '../case/case-state';
import type { MaracMeetingState } from '../marac/meeting';
import { isAfter, type LocalDate } from '../shared/local-date';
import { defaultWorkingDayCalendar, instantMillis, parseInstant, type WorkingDayCalendar } from './calendar';
import type { DeadlinePolicy, Length } from './policy';

/** Every kind of deadline, in pathway order (a metric counts overdue deadlines by kind). */
export const DEADLINE_KINDS = [
  'referral_decision',
  'consent_decision',
  'reasonable_grounds_decision',
  'recovery_period',
  'conclusive_grounds_decision',
  'move_on_support',
  'follow_up',
  'placement_review',
  'missing_person_check',
  'marac_action',
  'share_expiry',
] as const;

export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export interface Reminder {
  /** ISO 8601 instant, UTC (`toISOString()` form). */
  readonly at: string;
  /** `before due`, `due` or `overdue`. */
  readonly label: string;
}

/** A deadline that applies to a case now: when it falls due and when to remind about it. */
export interface Deadline {
  readonly kind: DeadlineKind;
  /** Unique within the case and stable (`follow-up-2`): only `[a-z0-9-]`, never all digits, so safe in a BullMQ job id. */
  readonly key: string;
  /** ISO 8601 instant, UTC. */
  readonly dueAt: string;
  /** The date it falls due on, Europe/London. */
  readonly dueOn: LocalDate;
  /** In time order. */
  readonly reminders: readonly Reminder[];
  /** After the last listed reminder, remind again this often while the deadline stands (`nextReminderAfter`). */
  readonly repeatEvery?: Length;
  /** When the fact that started it was entered (`Entered`): its reminders already past then are back-dated. */
  readonly enteredAt?: string;
}

/** A MARAC action's deadline, with the case the action is about. */
export interface MaracActionDeadline extends Deadline {
  readonly kind: 'marac_action';
  readonly actionId: string;
  /** The case the action is about, where known (always, from `maracActionDeadlines`). */
  readonly caseId?: string;
}

interface Due {
  readonly dueAt: string;
  readonly dueOn: LocalDate;
}

const MS: Record<'hours' | 'seconds', number> = { hours: 3_600_000, seconds: 1_000 };

/** Counts a length on from a start: its date, and the instant it was recorded where known. */
function after(
  length: Length,
  from: { readonly on: LocalDate; readonly at?: string },
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): Due {
  switch (length.unit) {
    case 'calendar_days':
    case 'working_days': {
      const dueOn =
        length.unit === 'calendar_days'
          ? calendar.addCalendarDays(from.on, length.amount)
          : calendar.addWorkingDays(from.on, length.amount);
      return { dueOn, dueAt: calendar.atLocalTime(dueOn, policy.timeOfDay) };
    }
    case 'hours':
    case 'seconds': {
      const start = instantMillis(from.at ?? calendar.atLocalTime(from.on, '00:00'));
      const dueAt = new Date(Math.round(start + length.amount * MS[length.unit])).toISOString();
      return { dueAt, dueOn: calendar.dateAt(dueAt) };
    }
  }
}

/** The instant `length` after `instant` (ISO 8601), counted as deadline lengths are. */
export function lengthAfter(
  length: Length,
  instant: string,
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): string {
  return after(length, { on: calendar.dateAt(instant), at: instant }, policy, calendar).dueAt;
}

/** The reminder `length` before a due time, counted on the same terms as a deadline's own length. */
function before(length: Length, due: Due, policy: DeadlinePolicy, calendar: WorkingDayCalendar): Reminder {
  const back: Length = { ...length, amount: -length.amount };
  return { at: after(back, { on: due.dueOn, at: due.dueAt }, policy, calendar).dueAt, label: 'before due' };
}

const atDue = (due: Due): Reminder => ({ at: due.dueAt, label: 'due' });

/**
 * The deadlines that should exist for a case now (domain page, "Deadlines and reminders"): what
 * starts each, what settles it (a settled deadline is simply absent), its length from `policy`,
 * counted on `calendar`. A closed case has none; exit settles every deadline before it and starts
 * the follow-ups. Day lengths count from the starting event's date; hour and second lengths from
 * the instant it was entered (`CaseState.enteredAt`), which each deadline also carries.
 */
export function deadlinesFor(state: CaseState, policy: DeadlinePolicy, calendar: WorkingDayCalendar): Deadline[] {
  if (!state.exists || state.closed || !state.identifiedOn) return [];
  const entered = state.enteredAt ?? {};
  const deadlines: Deadline[] = [];
  /** A deadline counted from the fact `start`, which it remembers the entry time of. */
  const add = (
    start: DeadlineStart,
    kind: DeadlineKind,
    key: string,
    due: Due,
    reminders: readonly Reminder[],
    repeatEvery?: Length,
  ) => {
    const enteredAt = entered[start];
    deadlines.push({
      kind,
      key,
      ...due,
      reminders,
      ...(repeatEvery ? { repeatEvery } : {}),
      ...(enteredAt ? { enteredAt } : {}),
    });
  };
  /** `length` on from the fact `start`'s date (or from when it was entered, for hours and seconds). */
  const count = (length: Length, start: DeadlineStart, on: LocalDate) =>
    after(length, { on, at: entered[start] }, policy, calendar);

  if (!state.exit) {
    // Settled by a referral or a duty-to-notify submission (and by closure, above).
    if (!state.referredOn && !state.dutyToNotifyOn) {
      const due = count(policy.referralDecision, 'identified', state.identifiedOn);
      add('identified', 'referral_decision', 'referral-decision', due, [atDue(due)], policy.referralDecisionRepeat);
    }
    if (state.consent === 'awaiting') {
      const due = count(policy.consentDecision, 'identified', state.identifiedOn);
      add('identified', 'consent_decision', 'consent-decision', due, [atDue(due)]);
    }
    if (state.referredOn && !state.reasonableGrounds) {
      const due = count(policy.reasonableGroundsDecision, 'referred', state.referredOn);
      const overdue = { ...atDue(due), label: 'overdue' };
      add(
        'referred',
        'reasonable_grounds_decision',
        'reasonable-grounds-decision',
        due,
        [overdue],
        policy.reasonableGroundsRepeat,
      );
    }
    const rg = state.reasonableGrounds;
    if (rg?.outcome === 'positive' && !state.conclusiveGrounds) {
      const recovery = count(policy.recoveryPeriod, 'reasonableGrounds', rg.decidedOn);
      add('reasonableGrounds', 'recovery_period', 'recovery-period', recovery, [
        before(policy.recoveryPeriodReminderBefore, recovery, policy, calendar),
        atDue(recovery),
      ]);
      // Due as the recovery period ends (whose own reminder says so); chased while overdue.
      const chase = after(policy.conclusiveGroundsRepeat, { on: recovery.dueOn, at: recovery.dueAt }, policy, calendar);
      add(
        'reasonableGrounds',
        'conclusive_grounds_decision',
        'conclusive-grounds-decision',
        recovery,
        [{ at: chase.dueAt, label: 'overdue' }],
        policy.conclusiveGroundsRepeat,
      );
    }
    const cg = state.conclusiveGrounds;
    // A negative CG under reconsideration holds move-on until the reconsideration is decided.
    if (cg && !(cg.outcome === 'negative' && state.pendingReconsideration?.decision === 'conclusive_grounds')) {
      const positive = cg.outcome === 'positive';
      const length = positive ? policy.moveOnAfterPositive : policy.moveOnAfterNegative;
      const warn = positive ? policy.moveOnAfterPositiveReminderBefore : policy.moveOnAfterNegativeReminderBefore;
      const due = count(length, 'conclusiveGrounds', cg.decidedOn);
      add('conclusiveGrounds', 'move_on_support', 'move-on-support', due, [
        before(warn, due, policy, calendar),
        atDue(due),
      ]);
    }
    if (state.activePlacement) {
      // Settled by each review, which starts the next; a move starts it again too.
      const due = count(policy.placementReview, 'placement', placementReviewCountsFrom(state.activePlacement));
      add('placement', 'placement_review', 'placement-review', due, [atDue(due)], policy.placementReview);
    }
  } else {
    const { exitedOn } = state.exit;
    policy.followUps.forEach((length, index) => {
      // Follow-ups are completed in order (`completeFollowUp` numbers them), so a count settles them.
      if (index < state.followUpsCompleted) return;
      const due = count(length, 'exit', exitedOn);
      add('exit', 'follow_up', `follow-up-${index + 1}`, due, [atDue(due)]);
    });
  }
  // Settled only by being found (or closure): a person can go missing after exit too.
  if (state.missingSince) {
    const every = state.child ? policy.missingCheckChild : policy.missingCheckAdult;
    const due = count(every, 'missing', state.missingSince);
    add('missing', 'missing_person_check', 'missing-person-check', due, [atDue(due)], every);
  }
  deadlines.push(...shareExpiryDeadlines(state, calendar));
  return deadlines;
}

/** The key of a share's expiry deadline. */
export const shareExpiryKey = (shareId: string): string => `share-expiry-${keyPart(shareId)}`;

/**
 * Each share offered or accepted with a last day: it ends at midnight after that day (Europe/London),
 * when its one reminder records the expiry (`CaseShareExpired`, by the reminder processor). Settled
 * by the expiry itself, a revocation or a decline; a closed case has no deadlines (its shares give
 * access no longer than their last day whatever is recorded: `shareIsCurrent`).
 */
function shareExpiryDeadlines(state: CaseState, calendar: WorkingDayCalendar): Deadline[] {
  return (state.shares ?? [])
    .filter((share) => share.expiresOn !== undefined)
    .filter((share) => share.status === 'awaiting_response' || share.status === 'accepted')
    .map((share) => {
      const dueOn = calendar.addCalendarDays(share.expiresOn!, 1);
      const due: Due = { dueOn, dueAt: calendar.atLocalTime(dueOn, '00:00') };
      return { kind: 'share_expiry', key: shareExpiryKey(share.shareId), ...due, reminders: [atDue(due)] };
    });
}

/** The date the next placement review counts from: the later of its latest review and its start (or move). */
function placementReviewCountsFrom(placement: NonNullable<CaseState['activePlacement']>): LocalDate {
  const { lastChangedOn, lastReviewedOn } = placement;
  return lastReviewedOn !== undefined && isAfter(lastReviewedOn, lastChangedOn) ? lastReviewedOn : lastChangedOn;
}

/**
 * A MARAC action: due on its own date (at the policy's time of day), reminded the policy's
 * length before and at due. Its key is `marac-action-<actionId>`, made safe for a job id.
 */
export function maracActionDeadline(
  action: { readonly actionId: string; readonly dueOn: LocalDate; readonly caseId?: string },
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): MaracActionDeadline {
  const due: Due = { dueOn: action.dueOn, dueAt: calendar.atLocalTime(action.dueOn, policy.timeOfDay) };
  return {
    kind: 'marac_action',
    key: `marac-action-${keyPart(action.actionId)}`,
    actionId: action.actionId,
    ...(action.caseId !== undefined ? { caseId: action.caseId } : {}),
    ...due,
    reminders: [before(policy.maracActionReminderBefore, due, policy, calendar), atDue(due)],
  };
}

/**
 * The deadlines of a MARAC meeting's actions still open (agreed, not completed; a completed
 * action's deadline is absent). A closed meeting's open actions are still chased.
 */
export function maracActionDeadlines(
  meeting: Pick<MaracMeetingState, 'actions'>,
  policy: DeadlinePolicy,
  calendar: WorkingDayCalendar,
): MaracActionDeadline[] {
  return Object.entries(meeting.actions)
    .filter(([, action]) => !action.completed)
    .map(([actionId, action]) => maracActionDeadline({ ...action, actionId }, policy, calendar));
}

/**
 * An id as part of a key: as it is when already lower-case letters, digits and hyphens (UUIDs);
 * otherwise folded to that and suffixed with a hash of the original, so two ids never share a key.
 */
function keyPart(id: string): string {
  if (/^[a-z0-9-]+$/.test(id)) return id;
  let hash = 0x811c9dc5; // FNV-1a, 32-bit: stable across processes, no dependency.
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return `${id.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${hash.toString(36)}`;
}

/**
 * The next reminder of a deadline strictly after `instant` (ISO 8601), for a scheduler that has
 * raised the earlier ones: one of its listed reminders, or else a repeat every `repeatEvery` after
 * the last listed one; `undefined` when there is none. Day repeats keep the last reminder's local
 * time (09:00 London stays 09:00 across a BST change); hour and second repeats are exact elapsed
 * time. `calendar` is needed only for working-day repeats (England and Wales unless given).
 */
export function nextReminderAfter(
  deadline: Pick<Deadline, 'dueAt' | 'reminders' | 'repeatEvery'>,
  instant: string,
  calendar: WorkingDayCalendar = defaultWorkingDayCalendar(),
): string | undefined {
  const now = parseInstant(instant).toMillis();
  const listed = deadline.reminders.map((reminder) => parseInstant(reminder.at)).sort((a, b) => +a - +b);
  const next = listed.find((at) => at.toMillis() > now);
  if (next) return next.toISO()!;
  const repeat = deadline.repeatEvery;
  if (!repeat || !(repeat.amount > 0)) return undefined;
  const last = listed.at(-1) ?? parseInstant(deadline.dueAt);
  switch (repeat.unit) {
    case 'hours':
    case 'seconds': {
      const step = repeat.amount * MS[repeat.unit];
      const steps = Math.floor((now - last.toMillis()) / step) + 1;
      return new Date(Math.round(last.toMillis() + steps * step)).toISOString();
    }
    case 'calendar_days': {
      const local = last.setZone(calendar.zone);
      // Jump close (a local day is 23 to 25 hours), then step past `instant`.
      const days = Math.floor((now - local.toMillis()) / 86_400_000);
      let steps = Math.max(1, Math.floor(days / repeat.amount));
      while (local.plus({ days: steps * repeat.amount }).toMillis() <= now) steps += 1;
      return local
        .plus({ days: steps * repeat.amount })
        .toUTC()
        .toISO()!;
    }
    case 'working_days': {
      const local = last.setZone(calendar.zone);
      const today = calendar.dateAt(instant);
      let date = local.toISODate()!;
      for (;;) {
        date = calendar.addWorkingDays(date, repeat.amount);
        // A date before the instant's own is before it at any time of day: luxon is asked only
        // about the last day or two (a case years overdue steps through its dates cheaply).
        if (date < today) continue;
        const candidate = local.set(dateParts(date));
        if (candidate.toMillis() > now) return candidate.toUTC().toISO()!;
      }
    }
  }
}

function dateParts(date: LocalDate): { year: number; month: number; day: number } {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}
