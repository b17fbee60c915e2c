import type { CaseEvent } from '../case/case-events';
import { systemActor } from '../shared/actor';
import { evolveCase, initialCaseState, withEnteredAt, type CaseState } from '../case/case-state';
import { cg, consent, exit, followUp, identifiedOn, referral, rg } from '../testing/dated-events';
import { englandAndWalesCalendar } from './calendar';
import { nextReminderAfter, type Deadline } from './deadlines';
import {
  calendarDays,
  deadlinePolicyInSeconds,
  hours,
  defaultDeadlinePolicy as policy,
  seconds,
  workingDays,
  type Length,
} from './policy';
import {
  decideReminder,
  pendingReminders,
  pendingRemindersOf,
  reminderDecider,
  ReminderNotRaised,
  type PendingReminder,
  type ReminderDecision,
} from './reminders';

const calendar = englandAndWalesCalendar();

/** Given events, each recorded at an instant (the day's 10:00 UTC unless told). */
const given = (...events: (CaseEvent | [CaseEvent, string])[]): CaseState =>
  events.reduce<CaseState>((state, step) => {
    const [event, at] = Array.isArray(step) ? step : [step, `${dateOf(step)}T10:00:00.000Z`];
    return evolveCase(state, withEnteredAt(event, at));
  }, initialCaseState);
const dateOf = (event: CaseEvent): string =>
  Object.values(event.data as Record<string, unknown>).find(
    (value): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value),
  )!;

const raised = (key: string, reminderAt: string, kind = 'x', dueAt = reminderAt): CaseEvent => ({
  type: 'ReminderRaised',
  data: { key, kind, label: 'due', dueAt, reminderAt },
});
const pending = (state: CaseState, now: string) =>
  pendingReminders(state, policy, calendar, new Date(now)).map((r: PendingReminder) => `${r.key} ${r.label} ${r.at}`);
const decide = (state: CaseState, key: string, at: string, now: string): ReminderDecision =>
  decideReminder(state, { key, at }, policy, calendar, new Date(now));

/** An adult referred on Monday 2 March 2026, positive RG on Tuesday 10 March. */
const recoveryPeriod = [identifiedOn('2026-03-01'), consent('2026-03-01'), referral('2026-03-02'), rg('2026-03-10')];
// 45 days from 10 March: 24 April, 09:00 London (BST) = 08:00Z; its warning 7 days before.
const BEFORE = '2026-04-17T08:00:00.000Z';
const END = '2026-04-24T08:00:00.000Z';

describe('reminders: what a scheduler holds, and what the processor raises', () => {
  it('a positive RG decision: the recovery period is reminded 7 days before and at its end, the CG decision chased a week after', () => {
    expect(pending(given(...recoveryPeriod), '2026-03-10T12:00:00Z')).toEqual([
      `recovery-period before due ${BEFORE}`,
      `recovery-period due ${END}`,
      'conclusive-grounds-decision overdue 2026-05-01T08:00:00.000Z',
    ]);
  });

  it('given the positive RG, when the recovery reminder comes due, then it is raised with its deadline', () => {
    const decision = decide(given(...recoveryPeriod), 'recovery-period', BEFORE, BEFORE);
    expect(decision).toEqual({
      outcome: 'raise',
      event: {
        type: 'ReminderRaised',
        data: { key: 'recovery-period', kind: 'recovery_period', label: 'before due', dueAt: END, reminderAt: BEFORE },
      },
    });
  });

  it('a reminder already raised is not raised again, and leaves the scheduler', () => {
    const state = given(...recoveryPeriod, [raised('recovery-period', BEFORE), BEFORE]);
    expect(decide(state, 'recovery-period', BEFORE, END)).toEqual({ outcome: 'skip', reason: 'already_raised' });
    expect(pending(state, BEFORE)).toEqual([
      `recovery-period due ${END}`,
      'conclusive-grounds-decision overdue 2026-05-01T08:00:00.000Z',
    ]);
  });

  it('a CG decision recorded before the end settles the recovery period: its reminders go and never raise', () => {
    const state = given(...recoveryPeriod, cg('2026-04-01'));
    expect(decide(state, 'recovery-period', END, END)).toEqual({ outcome: 'skip', reason: 'no_such_deadline' });
    expect(pending(state, '2026-04-01T12:00:00Z').filter((line) => line.startsWith('recovery'))).toEqual([]);
  });

  it('a job for a time no longer in the schedule (the deadline moved) is not raised', () =>
    expect(decide(given(...recoveryPeriod), 'recovery-period', '2026-04-23T08:00:00.000Z', END)).toEqual({
      outcome: 'skip',
      reason: 'not_scheduled',
    }));

  it('a job that runs early raises nothing yet', () =>
    expect(decide(given(...recoveryPeriod), 'recovery-period', BEFORE, '2026-04-17T07:59:59.000Z')).toEqual({
      outcome: 'not_yet',
      at: BEFORE,
    }));

  it('reminders that passed unraised (worker down, Redis emptied) are all still held, and each raised late, in any order', () => {
    const state = given(...recoveryPeriod);
    expect(pending(state, '2026-04-25T00:00:00Z')).toEqual([
      `recovery-period before due ${BEFORE}`,
      `recovery-period due ${END}`,
      'conclusive-grounds-decision overdue 2026-05-01T08:00:00.000Z',
    ]);
    const dueFirst = given(...recoveryPeriod, [raised('recovery-period', END), END]);
    expect(decide(dueFirst, 'recovery-period', BEFORE, '2026-04-25T00:00:00Z')).toMatchObject({ outcome: 'raise' });
  });

  it('a late RG decision is chased weekly: the latest repeat passed and the next to come, across the BST change', () => {
    // Referred Mon 2 March: due 9 March 09:00Z (5 working days); overdue then every 7 days.
    const referred = given(identifiedOn('2026-03-01'), consent('2026-03-01'), referral('2026-03-02'));
    const once = given(
      identifiedOn('2026-03-01'),
      consent('2026-03-01'),
      referral('2026-03-02'),
      raised('reasonable-grounds-decision', '2026-03-09T09:00:00.000Z'),
    );
    expect(pending(once, '2026-03-25T12:00:00Z')).toEqual([
      'reasonable-grounds-decision repeat 2026-03-23T09:00:00.000Z',
      'reasonable-grounds-decision repeat 2026-03-30T08:00:00.000Z', // 09:00 BST
    ]);
    expect(
      decide(once, 'reasonable-grounds-decision', '2026-03-23T09:00:00.000Z', '2026-03-25T12:00:00Z'),
    ).toMatchObject({ outcome: 'raise', event: { data: { label: 'repeat', reminderAt: '2026-03-23T09:00:00.000Z' } } });
    expect(decide(once, 'reasonable-grounds-decision', '2026-03-23T10:00:00.000Z', '2026-03-25T12:00:00Z')).toEqual({
      outcome: 'skip',
      reason: 'not_scheduled',
    });
    expect(pending(referred, '2026-03-04T12:00:00Z')).toEqual([
      'reasonable-grounds-decision overdue 2026-03-09T09:00:00.000Z',
    ]);
    // Recorded long after the fact (or a long outage): the latest repeat stands for the listed one.
    expect(pending(referred, '2026-03-25T12:00:00Z')).toEqual([
      'reasonable-grounds-decision repeat 2026-03-23T09:00:00.000Z',
      'reasonable-grounds-decision repeat 2026-03-30T08:00:00.000Z',
    ]);
    expect(decide(referred, 'reasonable-grounds-decision', '2026-03-09T09:00:00.000Z', '2026-03-25T12:00:00Z')).toEqual(
      {
        outcome: 'skip',
        reason: 'superseded',
      },
    );
    expect(
      decide(referred, 'reasonable-grounds-decision', '2026-03-09T09:00:00.000Z', '2026-03-10T12:00:00Z'),
    ).toMatchObject({
      outcome: 'raise',
    });
  });

  it('once the latest repeat is raised, the listed reminder it superseded is not held again', () => {
    const repeated = given(
      identifiedOn('2026-03-01'),
      consent('2026-03-01'),
      referral('2026-03-02'),
      raised('reasonable-grounds-decision', '2026-03-23T09:00:00.000Z'),
    );
    expect(pending(repeated, '2026-03-25T12:00:00Z')).toEqual([
      'reasonable-grounds-decision repeat 2026-03-30T08:00:00.000Z',
    ]);
  });

  it('the scheduler and the processor agree: every reminder held and already due is one the processor raises', () => {
    const states = [
      given(identifiedOn('2026-03-01')),
      given(identifiedOn('2026-03-01'), raised('referral-decision', '2026-03-10T09:00:00.000Z')),
      given(identifiedOn('2026-03-01'), consent('2026-03-01'), referral('2026-03-02')),
      given(...recoveryPeriod),
      given(...recoveryPeriod, [raised('recovery-period', END), END]),
      given(...recoveryPeriod, cg('2026-04-20'), exit('2026-06-01')),
    ];
    const instants = ['2026-03-02T12:00:00Z', '2026-03-20T12:00:00Z', '2026-04-30T12:00:00Z', '2026-12-01T12:00:00Z'];
    let checked = 0;
    for (const state of states) {
      for (const now of instants) {
        for (const reminder of pendingReminders(state, policy, calendar, new Date(now))) {
          if (Date.parse(reminder.at) > Date.parse(now)) continue;
          checked += 1;
          expect([reminder.key, reminder.at, decide(state, reminder.key, reminder.at, now).outcome]).toEqual([
            reminder.key,
            reminder.at,
            'raise',
          ]);
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('an exit starts the follow-ups, each reminded at due, in order; a completed one leaves', () => {
    const exited = [...recoveryPeriod, cg('2026-04-20'), exit('2026-06-01')];
    expect(pending(given(...exited), '2026-06-01T12:00:00Z')).toEqual([
      'follow-up-1 due 2026-07-01T08:00:00.000Z',
      'follow-up-2 due 2026-08-30T08:00:00.000Z',
      'follow-up-3 due 2026-11-28T09:00:00.000Z', // back on GMT
    ]);
    expect(pending(given(...exited, followUp(1, '2026-07-02')), '2026-07-02T12:00:00Z')).toEqual([
      'follow-up-2 due 2026-08-30T08:00:00.000Z',
      'follow-up-3 due 2026-11-28T09:00:00.000Z',
    ]);
  });

  it('with a policy in seconds, reminders run from the instant the starting event was recorded', () => {
    const seconds = deadlinePolicyInSeconds(1);
    const state = given(...recoveryPeriod.slice(0, 3), [rg('2026-03-10'), '2026-03-10T10:00:00.000Z']);
    const times = pendingReminders(state, seconds, calendar, new Date('2026-03-10T10:00:00.000Z'))
      .filter((r) => r.key === 'recovery-period')
      .map((r) => r.at);
    expect(times).toEqual(['2026-03-10T10:00:38.000Z', '2026-03-10T10:00:45.000Z']);
  });

  it('a referral never made, identified in January 2025: daily repeats are still held in November 2026', () => {
    const forgotten = given(identifiedOn('2025-01-13'), consent('2025-01-13'));
    expect(pending(forgotten, '2026-11-23T12:00:00Z')).toEqual([
      'referral-decision repeat 2026-11-23T09:00:00.000Z',
      'referral-decision repeat 2026-11-24T09:00:00.000Z',
    ]);
    // Twenty years on (over 7,000 daily repeats): the chain of reminders has not stopped.
    expect(pending(forgotten, '2045-01-20T12:00:00Z')).toEqual([
      'referral-decision repeat 2045-01-20T09:00:00.000Z',
      'referral-decision repeat 2045-01-21T09:00:00.000Z',
    ]);
  });

  describe('the repeats held are the ones stepping through every repeat since the last reminder finds', () => {
    /** The repeats after the last listed reminder, one at a time, up to the first after `now`. */
    const stepped = (deadline: Deadline, now: number): number[] => {
      const times: number[] = [];
      let cursor = deadline.reminders.at(-1)!.at;
      for (;;) {
        cursor = nextReminderAfter(deadline, cursor, calendar)!;
        times.push(Date.parse(cursor));
        if (Date.parse(cursor) > now) return times;
      }
    };
    const repeats: [string, Length, number][] = [
      // [label, repeat, how far past the last listed reminder `now` goes, in repeats]
      ['daily', calendarDays(1), 400],
      ['weekly', calendarDays(7), 60],
      ['28 days', calendarDays(28), 15],
      ['every 24 hours', hours(24), 400],
      ['every 72 hours', hours(72), 100],
      ['every working day', workingDays(1), 300],
      ['every 5 working days', workingDays(5), 60],
      ['every 30 seconds', seconds(30), 500],
    ];
    const nominal = ({ amount, unit }: Length) =>
      amount * { seconds: 1_000, hours: 3_600_000, calendar_days: 86_400_000, working_days: 86_400_000 }[unit];
    // Before Christmas and New Year, before the clocks go forward, before they go back.
    const lastListed = ['2025-12-23T09:00:00.000Z', '2026-03-27T09:00:00.000Z', '2026-10-23T08:00:00.000Z'];

    it.each(repeats)('%s', (_label, repeatEvery, reach) => {
      for (const last of lastListed) {
        const deadline: Deadline = {
          kind: 'referral_decision',
          key: 'referral-decision',
          dueAt: last,
          dueOn: calendar.dateAt(last),
          reminders: [{ at: last, label: 'due' }],
          repeatEvery,
        };
        const all = stepped(deadline, Date.parse(last) + reach * nominal(repeatEvery));
        // `now` on a repeat, just after one, between two, and before the first.
        const nows = [0, 1, 2, 7, Math.floor(all.length / 2), all.length - 3].flatMap((index) => [
          all[index]!,
          all[index]! + 1,
          all[index]! - 1,
        ]);
        for (const now of nows) {
          const upToNow = all.filter((at) => at <= now);
          const next = all.find((at) => at > now)!;
          // The jump lands where the steps do.
          expect(nextReminderAfter(deadline, new Date(now).toISOString(), calendar)).toBe(new Date(next).toISOString());
          for (const raisedAt of [undefined, upToNow.at(-2), upToNow.at(-1)]) {
            const raisedTimes = raisedAt === undefined ? [] : [raisedAt];
            const latest = upToNow.filter((at) => raisedAt === undefined || at > raisedAt).at(-1);
            const held = pendingRemindersOf(deadline, raisedTimes, now, calendar, policy)
              .filter((reminder) => reminder.label === 'repeat')
              .map((reminder) => reminder.at);
            expect(held).toEqual(
              [...(latest === undefined ? [] : [latest]), next].map((at) => new Date(at).toISOString()),
            );
          }
        }
      }
    });
  });

  it('the processor decider writes the event, or throws ReminderNotRaised and writes nothing', () => {
    const decider = reminderDecider(policy, calendar);
    const context = { actor: systemActor('reminders'), now: new Date(END) };
    const state = given(...recoveryPeriod);
    expect(
      decider.decide({ type: 'RaiseReminder', data: { key: 'recovery-period', at: END } }, state, context),
    ).toEqual([expect.objectContaining({ type: 'ReminderRaised' })]);
    expect(() =>
      decider.decide({ type: 'RaiseReminder', data: { key: 'follow-up-1', at: END } }, state, context),
    ).toThrow(ReminderNotRaised);
  });
});
