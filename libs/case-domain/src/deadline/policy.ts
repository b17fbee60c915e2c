/**
 * A length of time, counted the way the domain page says: calendar days or working days from a
 * date (due at the policy's time of day, Europe/London), or hours or seconds from the instant the
 * starting event was recorded (seconds are for tests and demonstrations).
 */
export interface Length {
  readonly amount: number;
  readonly unit: 'calendar_days' | 'working_days' | 'hours' | 'seconds';
}

const calendarDays = (amount: number): Length => ({ amount, unit: 'calendar_days' });
const workingDays = (amount: number): Length => ({ amount, unit: 'working_days' });
const hours = (amount: number): Length => ({ amount, unit: 'hours' });

/** Every length in the domain page's deadlines table; each one configurable. */
export interface DeadlinePolicy {
  /** When a deadline due "on day N" falls due, Europe/London (`HH:MM`). */
  readonly timeOfDay: string;
  readonly referralDecision: Length;
  readonly referralDecisionRepeat: Length;
  readonly consentDecision: Length;
  readonly reasonableGroundsDecision: Length;
  readonly reasonableGroundsRepeat: Length;
  readonly recoveryPeriod: Length;
  readonly recoveryPeriodReminderBefore: Length;
  readonly conclusiveGroundsRepeat: Length;
  readonly moveOnAfterPositive: Length;
  readonly moveOnAfterPositiveReminderBefore: Length;
  readonly moveOnAfterNegative: Length;
  readonly moveOnAfterNegativeReminderBefore: Length;
  /** After exit, one follow-up per length, in order. */
  readonly followUps: readonly Length[];
  readonly placementReview: Length;
  readonly maracActionReminderBefore: Length;
  readonly missingCheckChild: Length;
  readonly missingCheckAdult: Length;
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
};
