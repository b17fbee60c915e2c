/**
 * A length of time, counted the way the domain page says.
 *
 * - `calendar_days` and `working_days` count from the start's date (a `LocalDate`, Europe/London)
 *   and fall due at the policy's `timeOfDay` on the day the count lands on, so a due time stays
 *   09:00 London on either side of a BST change.
 * - `hours` and `seconds` count from the instant the starting event was recorded (kept in
 *   `CaseState.startedAt` by `evolveCaseAt`); where the state was folded without instants, from
 *   00:00 London on the start's date. Seconds exist so tests and demonstrations can watch a
 *   reminder fire a few seconds after the event that starts it (`deadlinePolicyInSeconds`).
 *
 * A reminder "before" a due time counts back from the due date (days) or the due instant
 * (hours, seconds) on the same terms.
 */
export interface Length {
  readonly amount: number;
  readonly unit: 'calendar_days' | 'working_days' | 'hours' | 'seconds';
}

export const calendarDays = (amount: number): Length => ({ amount, unit: 'calendar_days' });
export const workingDays = (amount: number): Length => ({ amount, unit: 'working_days' });
export const hours = (amount: number): Length => ({ amount, unit: 'hours' });
export const seconds = (amount: number): Length => ({ amount, unit: 'seconds' });

/** Every length in the domain page's deadlines table; each one configurable. */
export interface DeadlinePolicy {
  /** When a deadline due "on day N" falls due, Europe/London (`HH:MM`). */
  readonly timeOfDay: string;
  /** Identification to a referral or a duty-to-notify submission; reminded at due, then every repeat. */
  readonly referralDecision: Length;
  readonly referralDecisionRepeat: Length;
  /** An adult's reflection before consenting or declining; reminded at due. */
  readonly consentDecision: Length;
  /** Referral to the RG decision (the competent authority's target); reminded at due, then every repeat. */
  readonly reasonableGroundsDecision: Length;
  readonly reasonableGroundsRepeat: Length;
  /** Positive RG decision to the end of the recovery period; reminded this long before, and at due. */
  readonly recoveryPeriod: Length;
  readonly recoveryPeriodReminderBefore: Length;
  /** The CG decision is due when the recovery period ends; chased this often while overdue. */
  readonly conclusiveGroundsRepeat: Length;
  readonly moveOnAfterPositive: Length;
  readonly moveOnAfterPositiveReminderBefore: Length;
  readonly moveOnAfterNegative: Length;
  readonly moveOnAfterNegativeReminderBefore: Length;
  /** After exit, one follow-up per length (each from the exit), in order. */
  readonly followUps: readonly Length[];
  /** A placement is reviewed this long after it starts (or moves), and again this often. */
  readonly placementReview: Length;
  /** A MARAC action is due on its own date, at `timeOfDay`; reminded this long before, and at due. */
  readonly maracActionReminderBefore: Length;
  /** A missing person is checked on this long after the report, and again this often, until found. */
  readonly missingCheckChild: Length;
  readonly missingCheckAdult: Length;
  /**
   * A reminder already past when its deadline's fact is entered (a back-dated entry) waits this
   * long after the entry, so the rest of the case's past can be entered; then, if its deadline
   * still stands, it is raised once, marked late (`pendingReminders`, `decideReminder`).
   */
  readonly backdatedGrace: Length;
}

/** The defaults of the domain page (recovery period: the 45 days many partnerships still plan on). */
export const defaultDeadlinePolicy: DeadlinePolicy = {
  timeOfDay: '09:00',
  referralDecision: calendarDays(2),
  referralDecisionRepeat: calendarDays(1),
  consentDecision: calendarDays(5),
  reasonableGroundsDecision: workingDays(5),
  reasonableGroundsRepeat: calendarDays(7),
  recoveryPeriod: calendarDays(45),
  recoveryPeriodReminderBefore: calendarDays(7),
  conclusiveGroundsRepeat: calendarDays(7),
  moveOnAfterPositive: calendarDays(45),
  moveOnAfterPositiveReminderBefore: calendarDays(7),
  moveOnAfterNegative: workingDays(9),
  moveOnAfterNegativeReminderBefore: workingDays(2),
  followUps: [calendarDays(30), calendarDays(90), calendarDays(180)],
  placementReview: calendarDays(28),
  maracActionReminderBefore: calendarDays(2),
  missingCheckChild: hours(24),
  missingCheckAdult: hours(72),
  backdatedGrace: hours(0.5),
};

/**
 * `policy` with every length turned into seconds, a day (calendar or working) lasting
 * `secondsPerDay` and an hour a 24th of that: the whole table runs in seconds from the instants
 * the starting events were recorded (what a test of the reminder scheduler wants). MARAC actions
 * keep their own due date; only their reminder-before shrinks.
 */
export function deadlinePolicyInSeconds(
  secondsPerDay = 1,
  policy: DeadlinePolicy = defaultDeadlinePolicy,
): DeadlinePolicy {
  if (!(secondsPerDay > 0)) throw new RangeError(`a day must last some seconds, not ${secondsPerDay}`);
  const scale = (length: Length): Length => {
    switch (length.unit) {
      case 'calendar_days':
      case 'working_days':
        return seconds(length.amount * secondsPerDay);
      case 'hours':
        return seconds((length.amount * secondsPerDay) / 24);
      case 'seconds':
        return length;
    }
  };
  return {
    timeOfDay: policy.timeOfDay,
    referralDecision: scale(policy.referralDecision),
    referralDecisionRepeat: scale(policy.referralDecisionRepeat),
    consentDecision: scale(policy.consentDecision),
    reasonableGroundsDecision: scale(policy.reasonableGroundsDecision),
    reasonableGroundsRepeat: scale(policy.reasonableGroundsRepeat),
    recoveryPeriod: scale(policy.recoveryPeriod),
    recoveryPeriodReminderBefore: scale(policy.recoveryPeriodReminderBefore),
    conclusiveGroundsRepeat: scale(policy.conclusiveGroundsRepeat),
    moveOnAfterPositive: scale(policy.moveOnAfterPositive),
    moveOnAfterPositiveReminderBefore: scale(policy.moveOnAfterPositiveReminderBefore),
    moveOnAfterNegative: scale(policy.moveOnAfterNegative),
    moveOnAfterNegativeReminderBefore: scale(policy.moveOnAfterNegativeReminderBefore),
    followUps: policy.followUps.map(scale),
    placementReview: scale(policy.placementReview),
    maracActionReminderBefore: scale(policy.maracActionReminderBefore),
    missingCheckChild: scale(policy.missingCheckChild),
    missingCheckAdult: scale(policy.missingCheckAdult),
    backdatedGrace: scale(policy.backdatedGrace),
  };
}
