import { fold } from '../shared/decider';
import { maracMeetingDecider } from '../marac/meeting';
import type { MaracMeetingEvent } from '../marac/meeting-events';
import { englandAndWalesCalendar } from './calendar';
import { maracActionDeadline, maracActionDeadlines, nextReminderAfter } from './deadlines';
import { defaultDeadlinePolicy as policy, seconds } from './policy';

const calendar = englandAndWalesCalendar();
const agreed = (actionId: string, caseId: string, dueOn: string): MaracMeetingEvent => ({
  type: 'MaracActionAgreed',
  data: { actionId, caseId, description: 'Review the safety plan', ownerAgency: 'safe-harbour', dueOn },
});
const scheduled: MaracMeetingEvent[] = [
  {
    type: 'MaracMeetingScheduled',
    data: { meetingId: 'm-1', area: 'West', meetsOn: '2026-03-20', attendingAgencies: ['safe-harbour'] },
  },
  { type: 'CaseListedAtMarac', data: { caseId: 'case-1' } },
  { type: 'CaseListedAtMarac', data: { caseId: 'case-2' } },
];
const meeting = (...more: MaracMeetingEvent[]) => fold(maracMeetingDecider, [...scheduled, ...more]);

describe('MARAC action deadlines', () => {
  it('an agreed action falls due at 09:00 London on its own date, reminded 2 days before, across the clocks going forward', () =>
    expect(maracActionDeadlines(meeting(agreed('a-1', 'case-1', '2026-03-30')), policy, calendar)).toEqual([
      {
        kind: 'marac_action',
        key: 'marac-action-a-1',
        actionId: 'a-1',
        caseId: 'case-1',
        dueOn: '2026-03-30',
        dueAt: '2026-03-30T08:00:00.000Z',
        reminders: [
          { at: '2026-03-28T09:00:00.000Z', label: 'before due' },
          { at: '2026-03-30T08:00:00.000Z', label: 'due' },
        ],
      },
    ]));

  it('a completed action has no deadline; the others are still chased after the meeting closes', () => {
    const state = meeting(
      agreed('a-1', 'case-1', '2026-04-03'),
      agreed('a-2', 'case-2', '2026-04-10'),
      { type: 'MaracMeetingClosed', data: { closedOn: '2026-03-20' } },
      {
        type: 'MaracActionCompleted',
        data: { actionId: 'a-2', completedOn: '2026-03-25', completedBy: 'safe-harbour' },
      },
    );
    const open = maracActionDeadlines(state, policy, calendar);
    // Due on Good Friday: an action's own date is kept, bank holiday or not.
    expect(open.map((d) => [d.caseId, d.key, d.dueAt])).toEqual([
      ['case-1', 'marac-action-a-1', '2026-04-03T08:00:00.000Z'],
    ]);
    expect(nextReminderAfter(open[0]!, open[0]!.dueAt)).toBeUndefined();
  });

  it('an action id that is not already key-safe still gets a distinct, safe key', () => {
    const keys = ['A:1', 'a:1', 'a-1', '42'].map(
      (actionId) => maracActionDeadline({ actionId, dueOn: '2026-07-03' }, policy, calendar).key,
    );
    expect(new Set(keys).size).toBe(4);
    for (const key of keys) expect(key).toMatch(/^marac-action-[a-z0-9-]+$/);
  });

  it('its reminder-before may be in seconds (counted back from the due instant)', () =>
    expect(
      maracActionDeadline(
        { actionId: 'a-1', dueOn: '2026-07-03' },
        { ...policy, maracActionReminderBefore: seconds(5) },
        calendar,
      ).reminders[0]!.at,
    ).toBe('2026-07-03T07:59:55.000Z'));
});
