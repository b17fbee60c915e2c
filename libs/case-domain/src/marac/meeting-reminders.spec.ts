import { englandAndWalesCalendar } from '../deadline/calendar';
import { calendarDays, defaultDeadlinePolicy as policy } from '../deadline/policy';
import { ReminderNotRaised } from '../deadline/reminders';
import { fold } from '../shared/decider';
import { context } from '../testing/case-fixtures';
import { specification } from '../testing/given-when-then';
import { maracMeetingDecider } from './meeting';
import type { MaracActionReminderRaised, MaracMeetingEvent } from './meeting-events';
import {
  decideMaracActionReminder,
  maracActionReminderDecider,
  pendingMaracActionReminders,
  type RaiseMaracActionReminder,
} from './meeting-reminders';

const calendar = englandAndWalesCalendar();
const given = specification(maracActionReminderDecider(policy, calendar), context);

const meeting: MaracMeetingEvent[] = [
  {
    type: 'MaracMeetingScheduled',
    data: { meetingId: 'm-1', area: 'West', meetsOn: '2026-03-20', attendingAgencies: ['safe-harbour'] },
  },
  { type: 'CaseListedAtMarac', data: { caseId: 'case-1' } },
];
const agreed = (actionId: string, dueOn: string): MaracMeetingEvent => ({
  type: 'MaracActionAgreed',
  data: { actionId, caseId: 'case-1', description: 'Review the safety plan', ownerAgency: 'safe-harbour', dueOn },
});
const completed = (actionId: string): MaracMeetingEvent => ({
  type: 'MaracActionCompleted',
  data: { actionId, completedOn: '2026-03-27', completedBy: 'safe-harbour' },
});
// Due Monday 30 March 2026, 09:00 London (BST since the 29th) = 08:00Z; two calendar days before
// is Saturday 28 March, 09:00 GMT.
const BEFORE = '2026-03-28T09:00:00.000Z';
const DUE = '2026-03-30T08:00:00.000Z';
const KEY = 'marac-action-a-1';
const raised = (label: string, reminderAt: string): MaracActionReminderRaised => ({
  type: 'MaracActionReminderRaised',
  data: { actionId: 'a-1', caseId: 'case-1', key: KEY, label, dueAt: DUE, reminderAt },
});
const raise = (at: string, actionId = 'a-1', key = KEY): RaiseMaracActionReminder => ({
  type: 'RaiseMaracActionReminder',
  data: { actionId, key, at },
});
const state = (...events: MaracMeetingEvent[]) => fold(maracMeetingDecider, [...meeting, ...events]);
const decide = (events: MaracMeetingEvent[], at: string, now: string, actionId = 'a-1', key = KEY) =>
  decideMaracActionReminder(state(...events), { actionId, key, at }, policy, calendar, new Date(now));
const pending = (events: MaracMeetingEvent[], now: string) =>
  pendingMaracActionReminders(state(...events), policy, calendar, new Date(now)).map(
    (r) => `${r.caseId} ${r.actionId} ${r.key} ${r.label} ${r.at}`,
  );

describe('MARAC action reminders: what a scheduler holds, and what the processor raises', () => {
  it('by default an action is reminded 2 calendar days before its due date and at due', () => {
    expect(policy.maracActionReminderBefore).toEqual(calendarDays(2));
    expect(pending([agreed('a-1', '2026-03-30')], '2026-03-20T12:00:00Z')).toEqual([
      `case-1 a-1 ${KEY} before due ${BEFORE}`,
      `case-1 a-1 ${KEY} due ${DUE}`,
    ]);
  });

  it('given an open action, when its reminder comes due, then it is raised on the meeting', () =>
    given(...meeting, agreed('a-1', '2026-03-30'))
      .when(raise(BEFORE), { now: new Date(BEFORE) })
      .then([raised('before due', BEFORE)]));

  it('a reminder raised is not raised again, and leaves the scheduler', () => {
    const events = [agreed('a-1', '2026-03-30'), raised('before due', BEFORE)];
    expect(decide(events, BEFORE, DUE)).toEqual({ outcome: 'skip', reason: 'already_raised' });
    expect(pending(events, BEFORE)).toEqual([`case-1 a-1 ${KEY} due ${DUE}`]);
    expect(() =>
      maracActionReminderDecider(policy, calendar).decide(raise(BEFORE), state(...events), {
        ...context,
        now: new Date(DUE),
      }),
    ).toThrow(ReminderNotRaised);
  });

  it('a completed action is settled: nothing pending, and a job that still fires is skipped', () => {
    const events = [agreed('a-1', '2026-03-30'), completed('a-1')];
    expect(pending(events, '2026-03-27T12:00:00Z')).toEqual([]);
    expect(decide(events, BEFORE, BEFORE)).toEqual({ outcome: 'skip', reason: 'no_such_deadline' });
    expect(decide(events, DUE, DUE)).toEqual({ outcome: 'skip', reason: 'no_such_deadline' });
  });

  it('an unknown action, another key or a time not in its schedule is skipped', () => {
    const events = [agreed('a-1', '2026-03-30')];
    expect(decide(events, BEFORE, BEFORE, 'a-9', 'marac-action-a-9')).toEqual({
      outcome: 'skip',
      reason: 'no_such_deadline',
    });
    expect(decide(events, BEFORE, BEFORE, 'a-1', 'marac-action-a-2')).toEqual({
      outcome: 'skip',
      reason: 'no_such_deadline',
    });
    expect(decide(events, '2026-03-29T09:00:00.000Z', DUE)).toEqual({ outcome: 'skip', reason: 'not_scheduled' });
  });

  it('a job that runs early is told when to come back', () =>
    expect(decide([agreed('a-1', '2026-03-30')], DUE, BEFORE)).toEqual({ outcome: 'not_yet', at: DUE }));

  it('a worker that was down raises each reminder still owed once, late: the one before due even after due', () => {
    const events = [agreed('a-1', '2026-03-30')];
    expect(pending(events, '2026-03-31T12:00:00Z')).toEqual([
      `case-1 a-1 ${KEY} before due ${BEFORE}`,
      `case-1 a-1 ${KEY} due ${DUE}`,
    ]);
    expect(decide(events, BEFORE, '2026-03-31T12:00:00Z')).toEqual({
      outcome: 'raise',
      event: raised('before due', BEFORE),
    });
  });

  it('each action has its own reminders; a reminder of one is never taken for the other’s', () => {
    const events = [agreed('a-1', '2026-03-30'), agreed('a-2', '2026-03-30'), raised('before due', BEFORE)];
    expect(pending(events, '2026-03-28T12:00:00Z')).toEqual([
      `case-1 a-1 ${KEY} due ${DUE}`,
      `case-1 a-2 marac-action-a-2 before due ${BEFORE}`,
      `case-1 a-2 marac-action-a-2 due ${DUE}`,
    ]);
    expect(decide(events, BEFORE, BEFORE, 'a-2', 'marac-action-a-2')).toMatchObject({ outcome: 'raise' });
  });

  it('the meeting closing does not settle its open actions: they are still reminded', () => {
    const events = [agreed('a-1', '2026-03-30'), { type: 'MaracMeetingClosed', data: { closedOn: '2026-03-20' } }];
    expect(decide(events as MaracMeetingEvent[], DUE, DUE)).toEqual({ outcome: 'raise', event: raised('due', DUE) });
  });
});
