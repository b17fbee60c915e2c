import { fold } from '../shared/decider';
import { caseDecider } from '../case/case-decider';
import type { CaseEvent } from '../case/case-events';
import { evolveCaseAt, initialCaseState } from '../case/case-state';
import { identifiedAdult, identifiedChild } from '../testing/case-fixtures';
import { addWorkingDays, englandAndWalesCalendar } from './calendar';
import { deadlinesFor, maracActionDeadline, nextReminderAfter } from './deadlines';
import { defaultDeadlinePolicy as policy, type DeadlinePolicy } from './policy';

const calendar = englandAndWalesCalendar();
const identifiedOn = (date: string): CaseEvent => ({
  ...identifiedAdult,
  data: { ...identifiedAdult.data, identifiedOn: date },
});
const consent = (on: string): CaseEvent => ({
  type: 'ConsentGiven',
  data: { givenOn: on, language: 'en', interpreterUsed: false },
});
const referral = (on: string): CaseEvent => ({
  type: 'NrmReferralSubmitted',
  data: {
    submittedOn: on,
    firstResponder: 'police-west',
    competentAuthority: 'single_competent_authority',
    reference: 'R',
  },
});
const rg = (on: string, outcome: 'positive' | 'negative' = 'positive'): CaseEvent => ({
  type: 'ReasonableGroundsDecisionMade',
  data: { outcome, decidedOn: on },
});
const cg = (on: string, outcome: 'positive' | 'negative' = 'positive'): CaseEvent => ({
  type: 'ConclusiveGroundsDecisionMade',
  data: { outcome, decidedOn: on },
});
const exit = (on: string): CaseEvent => ({ type: 'ExitedNrm', data: { exitedOn: on, reason: 'support_completed' } });
const followUp = (on: string): CaseEvent => ({
  type: 'FollowUpCompleted',
  data: { followUp: 1, completedOn: on, outcome: 'stable' },
});

const deadlines = (events: CaseEvent[], p: DeadlinePolicy = policy) =>
  deadlinesFor(fold(caseDecider, events), p, calendar);
const byKey = (events: CaseEvent[]) => Object.fromEntries(deadlines(events).map((d) => [d.key, d]));

describe('deadlines of a case (domain page defaults, Europe/London, England and Wales bank holidays)', () => {
  it('an identified adult must be referred (or notified) within 2 days, reminded daily after, and consent within 5', () => {
    const found = byKey([identifiedOn('2026-01-30')]);
    expect(Object.keys(found)).toEqual(['referral-decision', 'consent-decision']);
    // Across a month end, due at 09:00 London (GMT in winter).
    expect(found['referral-decision']).toMatchObject({ dueOn: '2026-02-01', dueAt: '2026-02-01T09:00:00.000Z' });
    expect(found['referral-decision']!.repeatEvery).toEqual({ amount: 1, unit: 'calendar_days' });
    expect(found['consent-decision']!.dueAt).toBe('2026-02-04T09:00:00.000Z');
  });

  it('a child needs no consent step', () =>
    expect(deadlines([identifiedChild]).map((d) => d.kind)).toEqual(['referral_decision']));

  it('consent settles the consent deadline; the referral settles the referral deadline and starts the RG one', () => {
    expect(deadlines([identifiedOn('2026-03-02'), consent('2026-03-03')]).map((d) => d.kind)).toEqual([
      'referral_decision',
    ]);
    const referred = byKey([identifiedOn('2026-03-02'), consent('2026-03-03'), referral('2026-03-04')]);
    expect(Object.keys(referred)).toEqual(['reasonable-grounds-decision']);
    // 5 working days from Wednesday 4 March: Wednesday 11 March.
    expect(referred['reasonable-grounds-decision']).toMatchObject({
      dueOn: '2026-03-11',
      dueAt: '2026-03-11T09:00:00.000Z',
    });
  });

  it('the RG deadline skips Good Friday and Easter Monday, and is due at 09:00 BST after the clocks go forward', () => {
    const due = byKey([identifiedOn('2026-03-27'), consent('2026-03-27'), referral('2026-04-01')])[
      'reasonable-grounds-decision'
    ]!;
    // Thu 2, (Good Friday 3, weekend, Easter Monday 6), Tue 7, Wed 8, Thu 9, Fri 10 April.
    expect(due).toMatchObject({ dueOn: '2026-04-10', dueAt: '2026-04-10T08:00:00.000Z' });
    expect(due.reminders).toEqual([{ at: '2026-04-10T08:00:00.000Z', label: 'due' }]);
    expect(due.repeatEvery).toEqual({ amount: 7, unit: 'calendar_days' });
  });

  it('a positive RG decision starts the 45-day recovery period (reminded 7 days before and at due) and the CG wait', () => {
    const events = [identifiedOn('2026-08-01'), consent('2026-08-01'), referral('2026-08-02'), rg('2026-09-15')];
    const found = byKey(events);
    expect(Object.keys(found)).toEqual(['recovery-period', 'conclusive-grounds-decision']);
    // 45 days from 15 September: 30 October, after the clocks went back on 25 October: 09:00 GMT.
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

  it('a negative RG decision starts no recovery period', () =>
    expect(
      deadlines([
        identifiedOn('2026-08-01'),
        consent('2026-08-01'),
        referral('2026-08-02'),
        rg('2026-08-10', 'negative'),
      ]),
    ).toEqual([]));

  it('the CG decision settles the recovery period and starts move-on support (45 days after a positive one)', () => {
    const events = [
      identifiedOn('2026-01-05'),
      consent('2026-01-05'),
      referral('2026-01-06'),
      rg('2026-01-10'),
      cg('2026-03-02'),
    ];
    const found = byKey(events);
    expect(Object.keys(found)).toEqual(['move-on-support']);
    expect(found['move-on-support']).toMatchObject({ dueOn: '2026-04-16', dueAt: '2026-04-16T08:00:00.000Z' });
  });

  it('a negative CG gives 9 working days of move-on support, reminded 2 working days before, over Christmas', () => {
    const events = [
      identifiedOn('2026-09-01'),
      consent('2026-09-01'),
      referral('2026-09-01'),
      rg('2026-09-08'),
      cg('2026-12-18', 'negative'),
    ];
    const due = byKey(events)['move-on-support']!;
    // Mon 21, Tue 22, Wed 23, Thu 24, (25, 26, 27, substitute 28), Tue 29, Wed 30, Thu 31, (1 Jan), Mon 4, Tue 5.
    expect(due.dueOn).toBe('2027-01-05');
    expect(due.reminders[0]).toEqual({ at: '2026-12-31T09:00:00.000Z', label: 'before due' });
    expect(addWorkingDays(calendar, '2027-01-05', -2)).toBe('2026-12-31');
  });

  it('exit settles pre-exit deadlines and starts the follow-ups at 30, 90 and 180 days; each completion settles the next', () => {
    const exited = [
      identifiedOn('2026-01-05'),
      consent('2026-01-05'),
      referral('2026-01-06'),
      rg('2026-01-10'),
      cg('2026-03-02'),
      exit('2026-04-01'),
    ];
    expect(deadlines(exited).map((d) => [d.key, d.dueOn])).toEqual([
      ['follow-up-1', '2026-05-01'],
      ['follow-up-2', '2026-06-30'],
      ['follow-up-3', '2026-09-28'],
    ]);
    expect(deadlines([...exited, followUp('2026-05-01')]).map((d) => d.key)).toEqual(['follow-up-2', 'follow-up-3']);
  });

  it('a closed case has no deadlines', () =>
    expect(
      deadlines([
        identifiedOn('2026-01-05'),
        { type: 'CaseClosed', data: { closedOn: '2026-01-06', reason: 'duplicate' } },
      ]),
    ).toEqual([]));

  it('a placement is reviewed every 28 days from its start (or last move)', () => {
    const placed: CaseEvent = {
      type: 'SafeHousePlacementStarted',
      data: {
        placementId: 'p',
        startedOn: '2026-02-01',
        provider: 'x',
        emergencyOutsideNrm: false,
        personal: { address: 'a' },
      },
    };
    const review = byKey([
      identifiedOn('2026-01-05'),
      consent('2026-01-05'),
      referral('2026-01-06'),
      rg('2026-01-10'),
      placed,
    ])['placement-review']!;
    expect(review).toMatchObject({ dueOn: '2026-03-01', repeatEvery: { amount: 28, unit: 'calendar_days' } });
    expect(nextReminderAfter(review, '2026-03-01T10:00:00Z', policy, calendar)).toBe('2026-03-29T08:00:00.000Z');
  });

  it('a missing child is checked on every 24 hours from when the report was recorded, an adult every 72', () => {
    const missing: CaseEvent = { type: 'ReportedMissing', data: { reportedOn: '2026-05-01' } };
    let child = initialCaseState;
    for (const event of [identifiedChild, missing]) child = evolveCaseAt(child, event, '2026-05-01T15:30:00.000Z');
    const check = deadlinesFor(child, policy, calendar).find((d) => d.kind === 'missing_person_check')!;
    expect(check.dueAt).toBe('2026-05-02T15:30:00.000Z');
    expect(nextReminderAfter(check, check.dueAt, policy, calendar)).toBe('2026-05-03T15:30:00.000Z');
    let adult = initialCaseState;
    for (const event of [identifiedAdult, missing]) adult = evolveCaseAt(adult, event, '2026-05-01T15:30:00.000Z');
    expect(deadlinesFor(adult, policy, calendar).find((d) => d.kind === 'missing_person_check')!.dueAt).toBe(
      '2026-05-04T15:30:00.000Z',
    );
  });

  it('a policy in seconds counts from the instant the starting event was recorded', () => {
    const fast: DeadlinePolicy = {
      ...policy,
      recoveryPeriod: { amount: 3, unit: 'seconds' },
      recoveryPeriodReminderBefore: { amount: 1, unit: 'seconds' },
    };
    let state = initialCaseState;
    const steps: [CaseEvent, string][] = [
      [identifiedOn('2026-06-01'), '2026-06-01T10:00:00.000Z'],
      [consent('2026-06-01'), '2026-06-01T10:00:01.000Z'],
      [referral('2026-06-01'), '2026-06-01T10:00:02.000Z'],
      [rg('2026-06-01'), '2026-06-01T10:00:05.000Z'],
    ];
    for (const [event, at] of steps) state = evolveCaseAt(state, event, at);
    const recovery = deadlinesFor(state, fast, calendar).find((d) => d.kind === 'recovery_period')!;
    expect(recovery.dueAt).toBe('2026-06-01T10:00:08.000Z');
    expect(recovery.reminders.map((r) => r.at)).toEqual(['2026-06-01T10:00:07.000Z', '2026-06-01T10:00:08.000Z']);
  });

  it('a MARAC action falls due at 09:00 London on its date, reminded 2 days before', () =>
    expect(maracActionDeadline({ actionId: 'a:1', dueOn: '2026-07-03' }, policy, calendar)).toMatchObject({
      key: 'marac-action-a-1',
      dueAt: '2026-07-03T08:00:00.000Z',
      reminders: [
        { at: '2026-07-01T08:00:00.000Z', label: 'before due' },
        { at: '2026-07-03T08:00:00.000Z', label: 'due' },
      ],
    }));

  it('one-off bank holidays count (the 2022 state funeral, the 2023 coronation)', () => {
    expect(calendar.isWorkingDay('2022-09-19')).toBe(false);
    expect(calendar.isWorkingDay('2023-05-08')).toBe(false);
    expect(calendar.isWorkingDay('2023-05-09')).toBe(true);
  });
});
