import { addCalendarDays } from '../deadline/calendar';
import type { CaseState } from '../case/case-state';
import { isAfter, shiftYears, type LocalDate } from '../shared/local-date';

/**
 * How long a case's personal data is kept before it is due for an erasure review: a length after
 * the case was closed (or, if it never was, after the person exited the NRM). Nothing is erased
 * because a review falls due: the data-protection role decides (erase, or set a legal hold).
 */
export interface RetentionPolicy {
  readonly reviewAfter: { readonly amount: number; readonly unit: 'years' | 'calendar_days' };
}

/** Six years after closure: the usual period for case records in the partner agencies' schedules. */
export const defaultRetentionPolicy: RetentionPolicy = { reviewAfter: { amount: 6, unit: 'years' } };

/**
 * The day a case falls due for an erasure review, or `undefined` when it does not: still open and
 * not exited, already erased, or under a legal hold.
 */
export function erasureReviewDueOn(state: CaseState, policy: RetentionPolicy): LocalDate | undefined {
  if (!state.exists || state.personalDataErased || state.legalHold) return undefined;
  const from = state.closedOn ?? state.exit?.exitedOn;
  if (from === undefined) return undefined;
  const { amount, unit } = policy.reviewAfter;
  return unit === 'years' ? shiftYears(from, amount) : addCalendarDays(from, amount);
}

/** Due for review on `today` (a London date): the review date has come. */
export function isDueForErasureReview(state: CaseState, policy: RetentionPolicy, today: LocalDate): boolean {
  const due = erasureReviewDueOn(state, policy);
  return due !== undefined && !isAfter(due, today);
}
