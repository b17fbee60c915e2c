import { evolveCase, initialCaseState, withEnteredAt, type CaseState } from '../case/case-state';
import type { CaseEvent } from '../case/case-events';
import { cg, consent, identifiedOn, placed, placementReviewed, referral, rg } from '../testing/dated-events';
import { englandAndWalesCalendar } from './calendar';
import { defaultDeadlinePolicy as policy, hours } from './policy';
import { decideReminder, firesAt, pendingReminders, type PendingReminder } from './reminders';

// Caseworkers often record days or weeks after the fact. A reminder already past when the fact
// behind it is entered waits the policy's grace (30 minutes by default) after the entry, and is
// raised then only if its deadline still stands, once per deadline, marked late.

const calendar = englandAndWalesCalendar();
/** When the caseworker sat down to enter the case's past (synthetic, months after the facts). */
const T = Date.parse('2026-06-01T10:00:00.000Z');
const minutes = (n: number) => new Date(T + n * 60_000);
const iso = (n: number) => minutes(n).toISOString();

/** The state after each event, entered a minute apart from T. */
const enteredOneAMinute = (...events: CaseEvent[]): CaseState =>
  events.reduce((state, event, i) => evolveCase(state, withEnteredAt(event, iso(i))), initialCaseState);

/** The back-dated reminders held, by deadline (at most one each). */
const lateByKey = (reminders: readonly PendingReminder[]) =>
  Object.fromEntries(reminders.filter((reminder) => reminder.late).map((reminder) => [reminder.key, reminder]));

describe('a case entered after the fact (back-dated entry)', () => {
  it('holds a reminder already past at entry for the grace period instead of raising it at once', () => {
    const identified = enteredOneAMinute(identifiedOn('2026-03-02'));
    const held = lateByKey(pendingReminders(identified, policy, calendar, minutes(0)))['referral-decision']!;
    expect(held).toMatchObject({ late: true, firesAt: iso(30) });
    expect(Date.parse(held.at)).toBeLessThan(T);
    expect(decideReminder(identified, held, policy, calendar, minutes(10))).toEqual({
      outcome: 'not_yet',
      at: iso(30),
    });
  });

  it('raises nothing for the deadlines the entered dates met in time', () => {
    // Identified 2 March, consent the same day, referred 3 March, positive RG 9 March, positive
    // CG 20 March: every deadline up to move-on was met, the last entry made at T + 4 minutes.
    const events = [
      identifiedOn('2026-03-02'),
      consent('2026-03-02'),
      referral('2026-03-03'),
      rg('2026-03-09'),
      cg('2026-03-20'),
    ];
    // As the scheduler would: after each entry, the reminders held then; each job runs when it
    // fires (at once if that is past), against the case as entered by then.
    const enteredBy = (instant: number) =>
      enteredOneAMinute(...events.slice(0, Math.min(events.length, Math.floor((instant - T) / 60_000) + 1)));
    const heldAtEntry = events.flatMap((_, n) =>
      pendingReminders(enteredBy(T + n * 60_000), policy, calendar, minutes(n)).map((job) => ({
        job,
        heldAt: T + n * 60_000,
      })),
    );
    const settled = ['referral-decision', 'consent-decision', 'reasonable-grounds-decision', 'recovery-period'];
    for (const key of settled) {
      const jobs = heldAtEntry.filter(({ job }) => job.key === key);
      expect(jobs.length).toBeGreaterThan(0); // each was held for a while, as the entry went on
      for (const { job, heldAt } of jobs) {
        const runsAt = Math.max(heldAt, Date.parse(firesAt(job)));
        expect(decideReminder(enteredBy(runsAt), job, policy, calendar, new Date(runsAt))).toMatchObject({
          outcome: 'skip',
        });
      }
    }
  });

  it('raises a deadline the entered dates missed once, late, after the grace, not one per past reminder', () => {
    // Identified on 2 March and nothing since: no referral for three months (reminded daily),
    // no consent decision either.
    const state = enteredOneAMinute(identifiedOn('2026-03-02'));
    const held = pendingReminders(state, policy, calendar, minutes(0));
    const late = held.filter((reminder) => reminder.late);
    expect(late.map((reminder) => reminder.key).sort()).toEqual(['consent-decision', 'referral-decision']);
    // Besides them, only what is still to come: the next daily referral reminder.
    expect(held.filter((reminder) => !reminder.late).map((reminder) => [reminder.key, reminder.at])).toEqual([
      ['referral-decision', '2026-06-02T08:00:00.000Z'],
    ]);
    const referralReminder = lateByKey(held)['referral-decision']!;
    expect(referralReminder.label).toBe('repeat'); // the latest daily repeat before the entry
    const decision = decideReminder(state, referralReminder, policy, calendar, minutes(31));
    expect(decision).toMatchObject({
      outcome: 'raise',
      event: {
        type: 'ReminderRaised',
        data: { key: 'referral-decision', reminderAt: referralReminder.at, late: true },
      },
    });
    // An earlier past reminder of the same deadline is never raised as well.
    const earlierRepeat = { key: 'referral-decision', at: '2026-04-10T08:00:00.000Z' };
    expect(decideReminder(state, earlierRepeat, policy, calendar, minutes(31))).toEqual({
      outcome: 'skip',
      reason: 'backdated_superseded',
    });
  });

  it('treats a reminder still to come at entry as usual: not late, fired at its own time', () => {
    // Positive RG on 25 May, entered 1 June: the recovery period's reminders are to come.
    const state = enteredOneAMinute(
      identifiedOn('2026-05-20'),
      consent('2026-05-20'),
      referral('2026-05-21'),
      rg('2026-05-25'),
    );
    const recovery = pendingReminders(state, policy, calendar, minutes(3)).filter((r) => r.key === 'recovery-period');
    expect(recovery.length).toBe(2);
    for (const reminder of recovery) {
      expect(reminder.late).toBeUndefined();
      expect(firesAt(reminder)).toBe(reminder.at);
    }
  });

  it('a back-dated placement review counts the next one from its date: late only if that is already past', () => {
    const placedInMarch = [identifiedOn('2026-03-02'), consent('2026-03-02'), referral('2026-03-03'), rg('2026-03-09')];
    // Placed 10 March, reviewed 20 May, both entered on 1 June: the next review (17 June) is still to come.
    const recent = enteredOneAMinute(...placedInMarch, placed('2026-03-10'), placementReviewed('2026-05-20'));
    const next = pendingReminders(recent, policy, calendar, minutes(5)).filter((r) => r.key === 'placement-review');
    expect(next.map((r) => [r.at, r.late])).toEqual([['2026-06-17T08:00:00.000Z', undefined]]);
    // Reviewed 20 March and not since: the review due 17 April (and its 28-day repeats) were
    // missed: held once, late, after the grace.
    const old = enteredOneAMinute(...placedInMarch, placed('2026-03-10'), placementReviewed('2026-03-20'));
    const held = lateByKey(pendingReminders(old, policy, calendar, minutes(5)))['placement-review']!;
    expect(held).toMatchObject({ late: true, dueAt: '2026-04-17T08:00:00.000Z', firesAt: iso(35) });
  });

  it('takes the grace period from the policy', () => {
    const state = enteredOneAMinute(identifiedOn('2026-03-02'));
    const longer = { ...policy, backdatedGrace: hours(2) };
    expect(lateByKey(pendingReminders(state, longer, calendar, minutes(0)))['referral-decision']).toMatchObject({
      firesAt: iso(120),
    });
  });
});
