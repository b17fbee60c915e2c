import { specification } from '../testing/given-when-then';
import { context, charityCaseworker } from '../testing/case-fixtures';
import type { MaracMeetingEvent } from './meeting-events';
import { ensureMeetingAgenciesConfigured, maracMeetingDecider } from './meeting';

const given = specification(maracMeetingDecider, context);
const scheduled: MaracMeetingEvent = {
  type: 'MaracMeetingScheduled',
  data: { meetingId: 'm-1', area: 'West', meetsOn: '2026-06-10', attendingAgencies: ['police-west', 'safe-harbour'] },
};
const listed: MaracMeetingEvent = { type: 'CaseListedAtMarac', data: { caseId: 'case-1' } };
const agreed: MaracMeetingEvent = {
  type: 'MaracActionAgreed',
  data: {
    actionId: 'a-1',
    caseId: 'case-1',
    description: 'Arrange a safe-house review',
    ownerAgency: 'safe-harbour',
    dueOn: '2026-06-20',
  },
};
const referredInWest = { referredToMarac: true, area: 'West' };
const closedMeeting: MaracMeetingEvent = { type: 'MaracMeetingClosed', data: { closedOn: '2026-06-10' } };

describe('MARAC meeting', () => {
  it('is scheduled once', () => {
    given()
      .when({
        type: 'ScheduleMaracMeeting',
        meetingId: 'm-1',
        area: 'West',
        meetsOn: '2026-06-10',
        attendingAgencies: ['police-west', 'safe-harbour'],
      })
      .then([scheduled]);
    given(scheduled)
      .when({
        type: 'ScheduleMaracMeeting',
        meetingId: 'm-1',
        area: 'West',
        meetsOn: '2026-06-10',
        attendingAgencies: [],
      })
      .thenBreaks('meeting-already-scheduled');
  });
  it('lists a case once', () => {
    given(scheduled).when({ type: 'ListCaseAtMarac', caseId: 'case-1', listedCase: referredInWest }).then([listed]);
    given(scheduled, listed)
      .when({ type: 'ListCaseAtMarac', caseId: 'case-1', listedCase: referredInWest })
      .thenBreaks('case-already-listed');
  });
  it('lists only a case referred to the MARAC, and only at a meeting of its area', () => {
    given(scheduled)
      .when({ type: 'ListCaseAtMarac', caseId: 'case-1', listedCase: { referredToMarac: false, area: 'West' } })
      .thenBreaks('listing-requires-marac-referral');
    given(scheduled)
      .when({ type: 'ListCaseAtMarac', caseId: 'case-1', listedCase: { referredToMarac: true, area: 'East' } })
      .thenBreaks('listing-outside-meeting-area');
    given(scheduled)
      .when({ type: 'ListCaseAtMarac', caseId: 'case-1', listedCase: { referredToMarac: true } })
      .then([listed]);
  });
  it('names only configured agencies as attending or owning an action', () => {
    const configured = (id: string) => ['police-west', 'safe-harbour'].includes(id);
    const schedule = (attendingAgencies: string[]) =>
      ensureMeetingAgenciesConfigured(
        { type: 'ScheduleMaracMeeting', meetingId: 'm-1', area: 'West', meetsOn: '2026-06-10', attendingAgencies },
        configured,
      );
    expect(() => schedule(['police-west', 'safe-harbour'])).not.toThrow();
    expect(() => schedule(['police-west', 'nowhere'])).toThrow('agency-not-configured');
    expect(() => schedule(['police-west\u0000'])).toThrow('agency-not-configured');
    expect(() =>
      ensureMeetingAgenciesConfigured(
        {
          type: 'AgreeMaracAction',
          actionId: 'a',
          caseId: 'c',
          description: 'd',
          ownerAgency: 'x',
          dueOn: '2026-06-20',
        },
        configured,
      ),
    ).toThrow('agency-not-configured');
  });
  it('needs a scheduled meeting', () =>
    given()
      .when({ type: 'ListCaseAtMarac', caseId: 'case-1', listedCase: referredInWest })
      .thenBreaks('meeting-not-scheduled'));
  it('discusses only listed cases', () => {
    given(scheduled, listed)
      .when({ type: 'RecordMaracDiscussion', caseId: 'case-1', riskLevel: 'high', decisions: ['refer to housing'] })
      .then([
        {
          type: 'CaseDiscussedAtMarac',
          data: { caseId: 'case-1', riskLevel: 'high', decisions: ['refer to housing'] },
        },
      ]);
    given(scheduled)
      .when({ type: 'RecordMaracDiscussion', caseId: 'case-1', riskLevel: 'high', decisions: [] })
      .thenBreaks('case-not-listed');
  });
  it('agrees actions with an owner and a due date, not before the meeting, each once', () => {
    given(scheduled, listed)
      .when({
        type: 'AgreeMaracAction',
        actionId: 'a-1',
        caseId: 'case-1',
        description: 'Arrange a safe-house review',
        ownerAgency: 'safe-harbour',
        dueOn: '2026-06-20',
      })
      .then([agreed]);
    given(scheduled, listed, agreed)
      .when({
        type: 'AgreeMaracAction',
        actionId: 'a-1',
        caseId: 'case-1',
        description: 'x',
        ownerAgency: 'safe-harbour',
        dueOn: '2026-06-20',
      })
      .thenBreaks('action-already-agreed');
    given(scheduled, listed)
      .when({
        type: 'AgreeMaracAction',
        actionId: 'a-2',
        caseId: 'case-1',
        description: 'x',
        ownerAgency: 'safe-harbour',
        dueOn: '2026-06-01',
      })
      .thenBreaks('action-due-before-meeting');
    const dueIn = (dueOn: string) =>
      given(scheduled, listed).when({
        type: 'AgreeMaracAction',
        actionId: 'a-3',
        caseId: 'case-1',
        description: 'x',
        ownerAgency: 'safe-harbour',
        dueOn,
      });
    dueIn('9999-12-31').thenBreaks('action-due-more-than-a-year-after-meeting');
    dueIn('2027-06-11').thenBreaks('action-due-more-than-a-year-after-meeting');
    dueIn('2027-06-10').then([
      {
        type: 'MaracActionAgreed',
        data: { actionId: 'a-3', caseId: 'case-1', description: 'x', ownerAgency: 'safe-harbour', dueOn: '2027-06-10' },
      },
    ]);
    given(scheduled)
      .when({
        type: 'AgreeMaracAction',
        actionId: 'a-2',
        caseId: 'case-9',
        description: 'x',
        ownerAgency: 'safe-harbour',
        dueOn: '2026-06-20',
      })
      .thenBreaks('case-not-listed');
  });
  it('completes an action once, recording the completing agency, even after the meeting closed', () => {
    given(scheduled, listed, agreed, closedMeeting)
      .when({ type: 'CompleteMaracAction', actionId: 'a-1', completedOn: '2026-06-14' }, { actor: charityCaseworker })
      .then([
        {
          type: 'MaracActionCompleted',
          data: { actionId: 'a-1', completedOn: '2026-06-14', completedBy: 'safe-harbour' },
        },
      ]);
    given(scheduled, listed, agreed, {
      type: 'MaracActionCompleted',
      data: { actionId: 'a-1', completedOn: '2026-06-14', completedBy: 'safe-harbour' },
    })
      .when({ type: 'CompleteMaracAction', actionId: 'a-1', completedOn: '2026-06-15' })
      .thenBreaks('action-already-completed');
    given(scheduled)
      .when({ type: 'CompleteMaracAction', actionId: 'a-9', completedOn: '2026-06-14' })
      .thenBreaks('action-unknown');
  });
  it('closes, after which nothing is listed, discussed or agreed', () => {
    given(scheduled).when({ type: 'CloseMaracMeeting', closedOn: '2026-06-10' }).then([closedMeeting]);
    given(scheduled, closedMeeting)
      .when({ type: 'ListCaseAtMarac', caseId: 'case-2', listedCase: referredInWest })
      .thenBreaks('meeting-closed');
    given(scheduled, closedMeeting)
      .when({ type: 'CloseMaracMeeting', closedOn: '2026-06-11' })
      .thenBreaks('meeting-closed');
  });
  it('is not closed before it meets', () =>
    given(scheduled)
      .when({ type: 'CloseMaracMeeting', closedOn: '2026-06-09' })
      .thenBreaks('date-before-earlier-event'));
});
