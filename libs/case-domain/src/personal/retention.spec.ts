import { fold } from '../shared/decider';
import { caseDecider } from '../case/case-decider';
import type { CaseEvent } from '../case/case-events';
import { closed, exited, inRecoveryPeriod } from '../testing/case-fixtures';
import { defaultRetentionPolicy, erasureReviewDueOn, isDueForErasureReview } from './retention';

const stateOf = (...events: CaseEvent[]) => fold(caseDecider, events);

describe('the retention rule', () => {
  it('falls due six years after closure by default, on the same calendar day', () => {
    expect(erasureReviewDueOn(stateOf(...inRecoveryPeriod, closed), defaultRetentionPolicy)).toBe('2032-06-02');
  });

  it('runs from the exit when the case was never closed, and not at all while the case is open', () => {
    expect(erasureReviewDueOn(stateOf(...inRecoveryPeriod, exited), defaultRetentionPolicy)).toBe('2032-06-01');
    expect(erasureReviewDueOn(stateOf(...inRecoveryPeriod), defaultRetentionPolicy)).toBeUndefined();
  });

  it('takes a case out while it is under a legal hold or once it is erased', () => {
    const hold: CaseEvent = { type: 'LegalHoldSet', data: { setOn: '2030-01-01', reason: 'inquiry_or_review' } };
    expect(erasureReviewDueOn(stateOf(...inRecoveryPeriod, closed, hold), defaultRetentionPolicy)).toBeUndefined();
    const lifted: CaseEvent = { type: 'LegalHoldLifted', data: { liftedOn: '2031-01-01', reason: 'no_longer_needed' } };
    expect(erasureReviewDueOn(stateOf(...inRecoveryPeriod, closed, hold, lifted), defaultRetentionPolicy)).toBe(
      '2032-06-02',
    );
  });

  it('is due on and after its day, with a configured length in days', () => {
    const policy = { reviewAfter: { amount: 30, unit: 'calendar_days' as const } };
    const state = stateOf(...inRecoveryPeriod, closed);
    expect(isDueForErasureReview(state, policy, '2026-07-01')).toBe(false);
    expect(isDueForErasureReview(state, policy, '2026-07-02')).toBe(true);
    expect(isDueForErasureReview(state, policy, '2027-01-01')).toBe(true);
  });
});
