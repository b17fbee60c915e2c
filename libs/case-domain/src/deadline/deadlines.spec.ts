import { fold } from '../shared/decider';
import { caseDecider } from '../case/case-decider';
import type { CaseEvent } from '../case/case-events';
import { evolveCase, initialCaseState, withEnteredAt, type CaseState } from '../case/case-state';
import { identifiedAdult, identifiedChild } from '../testing/case-fixtures';
import {
  identifiedOn,
  consent,
  declined,
  notified,
  referral,
  rg,
  cg,
  reconsiderationRequested,
  reconsidered,
  placed,
  placementEnded,
  placementMoved,
  placementReviewed,
  missing,
  found,
  exit,
  followUp,
  closure,
} from '../testing/dated-events';
import { englandAndWalesCalendar } from './calendar';
import { deadlinesFor, nextReminderAfter, type Deadline } from './deadlines';
import { defaultDeadlinePolicy as policy, deadlinePolicyInSeconds, workingDays, type DeadlinePolicy } from './policy';

const calendar = englandAndWalesCalendar();
const deadlines = (events: CaseEvent[], p: DeadlinePolicy = policy) =>
  deadlinesFor(fold(caseDecider, events), p, calendar);
const byKey = (events: CaseEvent[], p: DeadlinePolicy = policy): Record<string, Deadline> =>
  Object.fromEntries(deadlines(events, p).map((d) => [d.key, d]));
/** Folds events each entered at an instant (`enteredAt` in the data, as the decider writes it). */
const recorded = (steps: [CaseEvent, string][]): CaseState =>
  steps.reduce((state, [event, at]) => evolveCase(state, withEnteredAt(event, at)), initialCaseState);

/** An adult referred on 2 August 2026 (consent the day before). */
const referredAdult = [identifiedOn('2026-08-01'), consent('2026-08-01'), referral('2026-08-02')];

describe('deadlines of a case (domain page defaults, Europe/London, England and Wales bank holidays)', () => {
  describe('before referral', () => {
    it('an identified adult must be referred (or notified) within 2 days, reminded daily after, and consent within 5', () => {
      const found = byKey([identifiedOn('2026-01-30')]);
      expect(Object.keys(found)).toEqual(['referral-decision', 'consent-decision']);
      // Across a month end, due at 09:00 London (GMT in winter).
      expect(found['referral-decision']).toMatchObject({ dueOn: '2026-02-01', dueAt: '2026-02-01T09:00:00.000Z' });
      expect(found['referral-decision']!.repeatEvery).toEqual({ amount: 1, unit: 'calendar_days' });
      expect(found['consent-decision']).toMatchObject({
        dueAt: '2026-02-04T09:00:00.000Z',
        reminders: [{ at: '2026-02-04T09:00:00.000Z', label: 'due' }],
      });
      expect(found['consent-decision']!.repeatEvery).toBeUndefined();
    });

    it('a child needs no consent step', () =>
      expect(deadlines([identifiedChild]).map((d) => d.kind)).toEqual(['referral_decision']));

    it('consent given or declined settles the consent deadline; a duty-to-notify settles the referral deadline', () => {
      expect(deadlines([identifiedOn('2026-03-02'), consent('2026-03-03')]).map((d) => d.kind)).toEqual([
        'referral_decision',
      ]);
      expect(deadlines([identifiedOn('2026-03-02'), declined('2026-03-03')]).map((d) => d.kind)).toEqual([
        'referral_decision',
      ]);
      expect(deadlines([identifiedOn('2026-03-02'), declined('2026-03-03'), notified('2026-03-03')])).toEqual([]);
    });

    it('the referral settles the referral deadline and starts the RG one: 5 working days, overdue then weekly', () => {
      const referred = byKey([identifiedOn('2026-03-02'), consent('2026-03-03'), referral('2026-03-04')]);
      expect(Object.keys(referred)).toEqual(['reasonable-grounds-decision']);
      // 5 working days from Wednesday 4 March: Wednesday 11 March.
      expect(referred['reasonable-grounds-decision']).toMatchObject({
        dueOn: '2026-03-11',
        dueAt: '2026-03-11T09:00:00.000Z',
        reminders: [{ at: '2026-03-11T09:00:00.000Z', label: 'overdue' }],
        repeatEvery: { amount: 7, unit: 'calendar_days' },
      });
    });

    it('the RG deadline skips Good Friday and Easter Monday, and is due at 09:00 BST after the clocks go forward', () => {
      const due = byKey([identifiedOn('2026-03-27'), consent('2026-03-27'), referral('2026-04-01')])[
        'reasonable-grounds-decision'
      ]!;
      // Thu 2, (Good Friday 3, weekend, Easter Monday 6), Tue 7, Wed 8, Thu 9, Fri 10 April.
      expect(due).toMatchObject({ dueOn: '2026-04-10', dueAt: '2026-04-10T08:00:00.000Z' });
    });

    it('the RG deadline runs over Christmas and the Boxing Day substitute day', () =>
      // Wed 23 Dec: Thu 24, (25, 26, 27, substitute 28), Tue 29, Wed 30, Thu 31, (1 Jan, weekend), Mon 4 Jan.
      expect(
        byKey([identifiedOn('2026-12-21'), consent('2026-12-21'), referral('2026-12-23')])[
          'reasonable-grounds-decision'
        ],
      ).toMatchObject({ dueOn: '2027-01-04', dueAt: '2027-01-04T09:00:00.000Z' }));
  });

  describe('the recovery period and the CG decision', () => {
    it('a positive RG decision starts the 45-day recovery period (reminded 7 days before and at due) and the CG wait', () => {
      const found = byKey([...referredAdult, rg('2026-09-15')]);
      expect(Object.keys(found)).toEqual(['recovery-period', 'conclusive-grounds-decision']);
      // 45 days from 15 September: 30 October, after the clocks went back on 25 October: 09:00 GMT,
      // while the reminder a week before is 09:00 BST.
      expect(found['recovery-period']).toMatchObject({
        dueOn: '2026-10-30',
        dueAt: '2026-10-30T09:00:00.000Z',
        reminders: [
          { at: '2026-10-23T08:00:00.000Z', label: 'before due' },
          { at: '2026-10-30T09:00:00.000Z', label: 'due' },
        ],
      });
      expect(found['conclusive-grounds-decision']).toMatchObject({
        dueAt: '2026-10-30T09:00:00.000Z',
        reminders: [{ at: '2026-11-06T09:00:00.000Z', label: 'overdue' }],
        repeatEvery: { amount: 7, unit: 'calendar_days' },
      });
    });

    it('a recovery period ending after the clocks go forward is due at 09:00 BST, its reminder at 09:00 GMT', () =>
      // 15 February + 45 days = 1 April 2026 (13 days of February, 31 of March, 1 of April).
      expect(byKey([...referredAdult, rg('2026-02-15')])['recovery-period']).toMatchObject({
        dueOn: '2026-04-01',
        dueAt: '2026-04-01T08:00:00.000Z',
        reminders: [
          { at: '2026-03-25T09:00:00.000Z', label: 'before due' },
          { at: '2026-04-01T08:00:00.000Z', label: 'due' },
        ],
      }));

    it('the recovery period is configurable: 30 days (the statutory minimum since January 2023)', () =>
      expect(
        byKey([...referredAdult, rg('2026-09-15')], {
          ...policy,
          recoveryPeriod: { amount: 30, unit: 'calendar_days' },
        })['recovery-period']!.dueAt,
      ).toBe('2026-10-15T08:00:00.000Z'));

    it('a negative RG decision starts no recovery period; a positive reconsideration starts it from its own date', () => {
      expect(deadlines([...referredAdult, rg('2026-08-10', 'negative')])).toEqual([]);
      const pending = [
        ...referredAdult,
        rg('2026-08-10', 'negative'),
        reconsiderationRequested('reasonable_grounds', '2026-08-12'),
      ];
      expect(deadlines(pending)).toEqual([]);
      // 1 September + 45 days = 16 October.
      expect(
        byKey([...pending, reconsidered('reasonable_grounds', 'positive', '2026-09-01')])['recovery-period']!.dueAt,
      ).toBe('2026-10-16T08:00:00.000Z');
    });

    it('the CG decision settles the recovery period and starts move-on support (45 days after a positive one)', () => {
      const found = byKey([
        identifiedOn('2026-01-05'),
        consent('2026-01-05'),
        referral('2026-01-06'),
        rg('2026-01-10'),
        cg('2026-03-02'),
      ]);
      expect(Object.keys(found)).toEqual(['move-on-support']);
      expect(found['move-on-support']).toMatchObject({
        dueOn: '2026-04-16',
        dueAt: '2026-04-16T08:00:00.000Z',
        reminders: [
          { at: '2026-04-09T08:00:00.000Z', label: 'before due' },
          { at: '2026-04-16T08:00:00.000Z', label: 'due' },
        ],
      });
    });
  });

  describe('move-on, exit and follow-ups', () => {
    const negativeCg = [...referredAdult, rg('2026-09-08'), cg('2026-12-18', 'negative')];

    it('a negative CG gives 9 working days of move-on support, reminded 2 working days before, over Christmas', () => {
      const due = byKey(negativeCg)['move-on-support']!;
      // Mon 21, Tue 22, Wed 23, Thu 24, (25, 26, 27, substitute 28), Tue 29, Wed 30, Thu 31, (1 Jan), Mon 4, Tue 5.
      expect(due).toMatchObject({ dueOn: '2027-01-05', dueAt: '2027-01-05T09:00:00.000Z' });
      // Two working days before Tuesday 5 January: Thursday 31 December (1 January and the weekend skipped).
      expect(due.reminders).toEqual([
        { at: '2026-12-31T09:00:00.000Z', label: 'before due' },
        { at: '2027-01-05T09:00:00.000Z', label: 'due' },
      ]);
    });

    it('a reconsideration of the negative CG settles the short move-on; its outcome starts the right one', () => {
      const pending = [...negativeCg, reconsiderationRequested('conclusive_grounds', '2026-12-21')];
      expect(deadlines(pending)).toEqual([]);
      // Positive on 1 February 2027: 45 days on is 18 March 2027 (still GMT).
      expect(
        byKey([...pending, reconsidered('conclusive_grounds', 'positive', '2027-02-01')])['move-on-support']!.dueAt,
      ).toBe('2027-03-18T09:00:00.000Z');
    });

    it('exit settles pre-exit deadlines and starts the follow-ups at 30, 90 and 180 days; each completion settles the next', () => {
      const exited = [
        identifiedOn('2026-01-05'),
        consent('2026-01-05'),
        referral('2026-01-06'),
        rg('2026-01-10'),
        placed('2026-01-12'),
        cg('2026-03-02'),
        exit('2026-04-01'),
      ];
      expect(deadlines(exited).map((d) => [d.key, d.dueAt])).toEqual([
        ['follow-up-1', '2026-05-01T08:00:00.000Z'],
        ['follow-up-2', '2026-06-30T08:00:00.000Z'],
        // 28 September 2026 is still BST.
        ['follow-up-3', '2026-09-28T08:00:00.000Z'],
      ]);
      expect(deadlines([...exited, followUp(1, '2026-05-01')]).map((d) => d.key)).toEqual([
        'follow-up-2',
        'follow-up-3',
      ]);
      expect(
        deadlines([...exited, followUp(1, '2026-05-01'), followUp(2, '2026-06-30'), followUp(3, '2026-09-28')]),
      ).toEqual([]);
    });

    it('a closed case has no deadlines, whatever it was waiting for', () => {
      expect(deadlines([identifiedOn('2026-01-05'), closure('2026-01-06')])).toEqual([]);
      expect(deadlines([...referredAdult, rg('2026-08-10'), missing('2026-08-11'), closure('2026-08-12')])).toEqual([]);
    });
  });

  describe('placements and missing persons', () => {
    const supported = [...referredAdult, rg('2026-08-10')];

    it('a placement is reviewed every 28 days from its start, until it ends', () => {
      const review = byKey([...supported, placed('2026-09-01')])['placement-review']!;
      // 1 September + 28 = 29 September (BST).
      expect(review).toMatchObject({
        dueAt: '2026-09-29T08:00:00.000Z',
        repeatEvery: { amount: 28, unit: 'calendar_days' },
      });
      // The next review after the clocks go back is still at 09:00 London: 27 October, 09:00 GMT.
      expect(nextReminderAfter(review, review.dueAt)).toBe('2026-10-27T09:00:00.000Z');
      expect(
        deadlines([...supported, placed('2026-09-01'), placementEnded('2026-09-20')]).map((d) => d.kind),
      ).not.toContain('placement_review');
    });

    it('a review settles the review due and the next is due 28 days after the review date', () => {
      const before = byKey([...supported, placed('2026-09-01')])['placement-review']!;
      expect(before.dueOn).toBe('2026-09-29');
      // Reviewed a day early, on 28 September: the next is due 26 October (09:00 GMT, the clocks went back).
      const after = byKey([...supported, placed('2026-09-01'), placementReviewed('2026-09-28')])['placement-review']!;
      expect(after).toMatchObject({
        key: 'placement-review',
        dueOn: '2026-10-26',
        dueAt: '2026-10-26T09:00:00.000Z',
        reminders: [{ at: '2026-10-26T09:00:00.000Z', label: 'due' }],
        repeatEvery: { amount: 28, unit: 'calendar_days' },
      });
      // Whatever the outcome: a move or an end only planned leaves the placement to be reviewed.
      for (const outcome of ['move', 'end_planned'] as const) {
        expect(
          byKey([...supported, placed('2026-09-01'), placementReviewed('2026-09-28', outcome)])['placement-review']!
            .dueOn,
        ).toBe('2026-10-26');
      }
      // Ending the placement still settles it.
      expect(
        deadlines([
          ...supported,
          placed('2026-09-01'),
          placementReviewed('2026-09-28'),
          placementEnded('2026-10-01'),
        ]).map((d) => d.kind),
      ).not.toContain('placement_review');
    });

    it('a move after a review starts the review clock again from the move; a review after a move from the review', () => {
      const events = [...supported, placed('2026-09-01'), placementReviewed('2026-09-10')];
      expect(byKey([...events, placementMoved('2026-09-20')])['placement-review']!.dueOn).toBe('2026-10-18');
      expect(
        byKey([...events, placementMoved('2026-09-20'), placementReviewed('2026-10-01')])['placement-review']!.dueOn,
      ).toBe('2026-10-29');
    });

    it('a missing child is checked on every 24 hours from when the report was recorded, an adult every 72', () => {
      const child = recorded([
        [identifiedChild, '2026-05-01T09:00:00.000Z'],
        [missing('2026-05-01'), '2026-05-01T15:30:00.000Z'],
      ]);
      const check = deadlinesFor(child, policy, calendar).find((d) => d.kind === 'missing_person_check')!;
      expect(check).toMatchObject({ key: 'missing-person-check', dueAt: '2026-05-02T15:30:00.000Z' });
      expect(nextReminderAfter(check, check.dueAt)).toBe('2026-05-03T15:30:00.000Z');
      const adult = recorded([
        [identifiedAdult, '2026-05-01T09:00:00.000Z'],
        [missing('2026-05-01'), '2026-05-01T15:30:00.000Z'],
      ]);
      expect(deadlinesFor(adult, policy, calendar).find((d) => d.kind === 'missing_person_check')!.dueAt).toBe(
        '2026-05-04T15:30:00.000Z',
      );
    });

    it('being found settles the missing-person check; going missing after exit still starts one', () => {
      expect(deadlines([...supported, missing('2026-08-20'), found('2026-08-21')]).map((d) => d.kind)).not.toContain(
        'missing_person_check',
      );
      const afterExit = deadlines([...supported, cg('2026-09-20'), exit('2026-10-01'), missing('2026-10-10')]);
      expect(afterExit.map((d) => d.kind)).toEqual(['follow_up', 'follow_up', 'follow_up', 'missing_person_check']);
    });
  });

  describe('repeating reminders (nextReminderAfter, for a scheduler that raised the earlier ones)', () => {
    it('a referral overdue is chased daily at 09:00 London, across the clocks going back', () => {
      const due = byKey([identifiedOn('2026-10-22')])['referral-decision']!;
      expect(due.dueAt).toBe('2026-10-24T08:00:00.000Z');
      expect(nextReminderAfter(due, '2026-10-24T00:00:00.000Z')).toBe('2026-10-24T08:00:00.000Z');
      expect(nextReminderAfter(due, '2026-10-24T08:00:00.000Z')).toBe('2026-10-25T09:00:00.000Z');
    });

    it('an overdue CG decision is chased weekly, long after the recovery period ended', () => {
      const chase = byKey([...referredAdult, rg('2026-09-15')])['conclusive-grounds-decision']!;
      // 6, 13, 20, 27 November, then 4 December.
      expect(nextReminderAfter(chase, '2026-12-01T00:00:00.000Z')).toBe('2026-12-04T09:00:00.000Z');
      // A year on (a jump, not a walk): 6 November 2026 + 53 weeks = 12 November 2027.
      expect(nextReminderAfter(chase, '2027-11-06T09:00:00.000Z')).toBe('2027-11-12T09:00:00.000Z');
    });

    it('placement reviews fall every 28 days, in summer and winter', () => {
      const review = byKey([...referredAdult, rg('2026-02-01'), placed('2026-02-01')])['placement-review']!;
      expect(review.dueAt).toBe('2026-03-01T09:00:00.000Z');
      // 1 March + 4 × 28 = 21 June (BST); 1 March + 11 × 28 = 3 January 2027 (GMT).
      expect(nextReminderAfter(review, '2026-06-01T00:00:00.000Z')).toBe('2026-06-21T08:00:00.000Z');
      expect(nextReminderAfter(review, '2027-01-01T00:00:00.000Z')).toBe('2027-01-03T09:00:00.000Z');
    });

    it('a deadline that does not repeat has no reminder after its last', () => {
      const recovery = byKey([...referredAdult, rg('2026-09-15')])['recovery-period']!;
      expect(nextReminderAfter(recovery, '2026-10-01T00:00:00.000Z')).toBe('2026-10-23T08:00:00.000Z');
      expect(nextReminderAfter(recovery, '2026-10-23T08:00:00.000Z')).toBe('2026-10-30T09:00:00.000Z');
      expect(nextReminderAfter(recovery, '2026-10-30T09:00:00.000Z')).toBeUndefined();
    });

    it('a repeat in working days skips Easter', () => {
      const p = { ...policy, reasonableGroundsRepeat: workingDays(1) };
      // Referred Thursday 26 March: Fri 27, Mon 30, Tue 31, Wed 1, Thu 2 April.
      const due = byKey([identifiedOn('2026-03-20'), consent('2026-03-20'), referral('2026-03-26')], p)[
        'reasonable-grounds-decision'
      ]!;
      expect(due.dueAt).toBe('2026-04-02T08:00:00.000Z');
      expect(nextReminderAfter(due, due.dueAt)).toBe('2026-04-07T08:00:00.000Z');
    });
  });

  describe('policies in seconds (for tests and demonstrations)', () => {
    it('a positive RG decision raises the recovery-period reminders seconds after it was recorded', () => {
      const fast: DeadlinePolicy = {
        ...policy,
        recoveryPeriod: { amount: 3, unit: 'seconds' },
        recoveryPeriodReminderBefore: { amount: 1, unit: 'seconds' },
      };
      const state = recorded([
        [identifiedOn('2026-06-01'), '2026-06-01T10:00:00.000Z'],
        [consent('2026-06-01'), '2026-06-01T10:00:01.000Z'],
        [referral('2026-06-01'), '2026-06-01T10:00:02.000Z'],
        [rg('2026-06-01'), '2026-06-01T10:00:05.000Z'],
      ]);
      const recovery = deadlinesFor(state, fast, calendar).find((d) => d.kind === 'recovery_period')!;
      expect(recovery.dueAt).toBe('2026-06-01T10:00:08.000Z');
      expect(recovery.reminders.map((r) => r.at)).toEqual(['2026-06-01T10:00:07.000Z', '2026-06-01T10:00:08.000Z']);
    });

    it('the whole table in seconds, a day lasting one second, counted from when each event was recorded', () => {
      const fast = deadlinePolicyInSeconds(1);
      const identified = recorded([[identifiedOn('2026-06-01'), '2026-06-01T10:00:00.000Z']]);
      expect(deadlinesFor(identified, fast, calendar).map((d) => [d.key, d.dueAt])).toEqual([
        ['referral-decision', '2026-06-01T10:00:02.000Z'],
        ['consent-decision', '2026-06-01T10:00:05.000Z'],
      ]);
      const inRecovery = recorded([
        [identifiedOn('2026-06-01'), '2026-06-01T10:00:00.000Z'],
        [consent('2026-06-01'), '2026-06-01T10:00:01.000Z'],
        [referral('2026-06-01'), '2026-06-01T10:00:02.000Z'],
        [rg('2026-06-01'), '2026-06-01T10:00:05.000Z'],
        [missing('2026-06-01'), '2026-06-01T10:00:06.000Z'],
      ]);
      const found = Object.fromEntries(deadlinesFor(inRecovery, fast, calendar).map((d) => [d.key, d]));
      expect(found['recovery-period']!.reminders.map((r) => r.at)).toEqual([
        '2026-06-01T10:00:43.000Z',
        '2026-06-01T10:00:50.000Z',
      ]);
      const chase = found['conclusive-grounds-decision']!;
      expect(chase.reminders.map((r) => r.at)).toEqual(['2026-06-01T10:00:57.000Z']);
      expect(nextReminderAfter(chase, '2026-06-01T10:00:57.000Z')).toBe('2026-06-01T10:01:04.000Z');
      // 72 hours for an adult: three seconds.
      expect(found['missing-person-check']!.dueAt).toBe('2026-06-01T10:00:09.000Z');
    });

    it('without recorded instants, seconds count from midnight London on the start date', () => {
      const fast: DeadlinePolicy = { ...policy, recoveryPeriod: { amount: 3, unit: 'seconds' } };
      // Midnight on 1 June in London is 23:00 UTC on 31 May.
      expect(byKey([...referredAdult, rg('2026-06-01')], fast)['recovery-period']!.dueAt).toBe(
        '2026-05-31T23:00:03.000Z',
      );
    });
  });

  it('keys are unique within a case and safe for job ids (lower-case letters, digits and hyphens)', () => {
    const cases = [
      [identifiedOn('2026-01-05')],
      [...referredAdult, rg('2026-08-10'), placed('2026-08-11'), missing('2026-08-12')],
      [...referredAdult, rg('2026-08-10'), cg('2026-09-30'), exit('2026-10-01')],
    ];
    for (const events of cases) {
      const keys = deadlines(events).map((d) => d.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys) expect(key).toMatch(/^(?=.*[a-z])[a-z0-9-]+$/);
    }
  });
});
