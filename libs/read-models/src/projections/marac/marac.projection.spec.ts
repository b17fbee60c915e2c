import {
  defaultDeadlinePolicy,
  englandAndWalesCalendar,
  type MaracMeetingEvent,
  type MaracMeetingScheduled,
} from '@app/case-domain';
import { caseId, now } from '@app/case-domain/testing/case-fixtures';
import { queueKey } from '../queues/queues';
import { atMeeting, onCase, projectionSpecification, recordedAt } from '../testing/given-events';
import { maracKeys, maracProjection } from './marac.projection';

// An action falls due at the deadline policy's time of day (09:00 London) on its due date.
const calendar = englandAndWalesCalendar();
const projection = maracProjection((dueOn) => calendar.atLocalTime(dueOn, defaultDeadlinePolicy.timeOfDay));
const clock = now;
const given = projectionSpecification(projection, clock);

const meetingId = '5d1c0e2a-2222-4b4b-8d8d-000000000001';
const at = (instant: string) => Date.parse(instant);

// What the panel records about a person is sealed in the store: stand-ins for the ciphertext.
const sealedDecisions = ['sealed:decision-1'];
const sealedDescription = 'sealed:action-1';

const scheduled: MaracMeetingScheduled = {
  type: 'MaracMeetingScheduled',
  data: { meetingId, area: 'North', meetsOn: '2026-06-10', attendingAgencies: ['police-west', 'housing'] },
};
const listed: MaracMeetingEvent = { type: 'CaseListedAtMarac', data: { caseId } };
const discussed: MaracMeetingEvent = {
  type: 'CaseDiscussedAtMarac',
  data: { caseId, riskLevel: 'high', decisions: sealedDecisions },
};
const agreed = (actionId: string, ownerAgency: string, dueOn: string): MaracMeetingEvent => ({
  type: 'MaracActionAgreed',
  data: { actionId, caseId, description: sealedDescription, ownerAgency, dueOn },
});
const completed = (actionId: string, completedOn: string): MaracMeetingEvent => ({
  type: 'MaracActionCompleted',
  data: { actionId, completedOn, completedBy: 'user-housing-1' },
});
const closed: MaracMeetingEvent = { type: 'MaracMeetingClosed', data: { closedOn: '2026-06-10' } };

const onAgenda = [maracKeys.areaMeetings('North'), meetingId, at('2026-06-10T00:00:00Z')] as const;
const listedFor = [maracKeys.caseMeetings(caseId), meetingId, at('2026-06-10T00:00:00Z')] as const;

describe('MARAC projection: given events, then outputs', () => {
  it('a scheduled meeting is on its area’s list of meetings, by the day it meets', () =>
    given(atMeeting(meetingId, scheduled)).then(meetingId, { members: [onAgenda] }));

  it('a case listed at it has the meeting among its meetings', () =>
    given(atMeeting(meetingId, scheduled, listed)).then(meetingId, { members: [onAgenda, listedFor] }));

  it('an agreed action is open for its case and in its owner agency’s queue, due 09:00 London on its due date', () =>
    given(atMeeting(meetingId, scheduled, listed, discussed, agreed('a1', 'housing', '2026-06-20'))).then(meetingId, {
      members: [
        onAgenda,
        listedFor,
        // 20 June is in summer time: 09:00 London is 08:00 UTC.
        [maracKeys.caseOpenActions(caseId), `${meetingId}/a1`, at('2026-06-20T08:00:00Z')],
        [queueKey('marac_action', 'agency', 'housing'), `${meetingId}/a1`, at('2026-06-20T08:00:00Z')],
      ],
    }));

  it('a completed action leaves the case’s open actions and the queue; the agenda keeps it, completed', () => {
    const spec = given(
      atMeeting(
        meetingId,
        scheduled,
        listed,
        agreed('a1', 'housing', '2026-06-20'),
        agreed('a2', 'police-west', '2026-06-24'),
        completed('a1', '2026-06-19'),
      ),
    );
    spec.then(meetingId, {
      members: [
        onAgenda,
        listedFor,
        [maracKeys.caseOpenActions(caseId), `${meetingId}/a2`, at('2026-06-24T08:00:00Z')],
        [queueKey('marac_action', 'agency', 'police-west'), `${meetingId}/a2`, at('2026-06-24T08:00:00Z')],
      ],
    });
    expect(spec.state(meetingId).actions['a1']).toEqual({
      actionId: 'a1',
      caseId,
      description: sealedDescription,
      eventId: spec.events[2]!.id,
      ownerAgency: 'housing',
      dueOn: '2026-06-20',
      dueAt: '2026-06-20T08:00:00.000Z',
      agreedAt: recordedAt(clock, 2),
      completedOn: '2026-06-19',
      completedBy: 'user-housing-1',
    });
  });

  it('closing the meeting keeps it on the area’s list and the case’s, with the day it closed', () => {
    const spec = given(atMeeting(meetingId, scheduled, listed, closed));
    spec.then(meetingId, { members: [onAgenda, listedFor] });
    expect(spec.state(meetingId).closedOn).toBe('2026-06-10');
  });

  it('keeps what the panel recorded as the events hold it (sealed), with the event to open it by; outputs hold ids only', () => {
    const spec = given(atMeeting(meetingId, scheduled, listed, discussed, agreed('a1', 'housing', '2026-06-20')));
    const meeting = spec.state(meetingId);
    expect(meeting.listed).toEqual([{ caseId, listedAt: recordedAt(clock, 1) }]);
    expect(meeting.discussions).toEqual([
      { caseId, riskLevel: 'high', decisions: sealedDecisions, eventId: spec.events[2]!.id, at: recordedAt(clock, 2) },
    ]);
    expect(meeting.actions['a1']).toMatchObject({ description: sealedDescription, eventId: spec.events[3]!.id });
    expect(JSON.stringify(spec.outputs(meetingId))).not.toContain('sealed:');
  });

  it('reads the meeting streams only: a case’s events change no meeting', () => {
    const spec = given(
      atMeeting(meetingId, scheduled),
      onCase(caseId, { type: 'ReportedMissing', data: { reportedOn: '2026-06-11' } }),
    );
    expect(spec.events.map((event) => projection.entityOf(event))).toEqual([meetingId, undefined]);
    spec.then(meetingId, { members: [onAgenda] });
  });

  it('an action shows the latest reminder raised of its deadline; its queue and open actions stay as they were', () => {
    const reminded = (label: string, reminderAt: string): MaracMeetingEvent => ({
      type: 'MaracActionReminderRaised',
      data: { actionId: 'a1', caseId, key: 'marac-action-a1', label, dueAt: '2026-06-20T08:00:00.000Z', reminderAt },
    });
    const events = [scheduled, listed, agreed('a1', 'housing', '2026-06-20')];
    const before = given(atMeeting(meetingId, ...events));
    expect(before.state(meetingId).actions['a1']!.lastReminder).toBeUndefined();
    const spec = given(
      atMeeting(
        meetingId,
        ...events,
        reminded('before due', '2026-06-18T08:00:00.000Z'),
        reminded('due', '2026-06-20T08:00:00.000Z'),
      ),
    );
    expect(spec.state(meetingId).actions['a1']!.lastReminder).toEqual({
      label: 'due',
      reminderAt: '2026-06-20T08:00:00.000Z',
      raisedAt: recordedAt(clock, 4),
    });
    expect(spec.outputs(meetingId)).toEqual(before.outputs(meetingId));
  });

  it('refuses an action completed that was never agreed', () =>
    expect(() => given(atMeeting(meetingId, scheduled, completed('a9', '2026-06-19')))).toThrow(
      'action a9 completed but never agreed',
    ));
});
