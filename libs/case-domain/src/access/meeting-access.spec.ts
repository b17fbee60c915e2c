import { fold } from '../shared/decider';
import { maracMeetingDecider } from '../marac/meeting';
import type { MaracMeetingEvent } from '../marac/meeting-events';
import { policeCaseworker } from '../testing/case-fixtures';
import { NotPermitted } from './case-access';
import { ensureMayActOnMeeting } from './meeting-access';

describe('who may act on a MARAC meeting', () => {
  const events: MaracMeetingEvent[] = [
    {
      type: 'MaracMeetingScheduled',
      data: { meetingId: 'm', area: 'West', meetsOn: '2026-06-10', attendingAgencies: [] },
    },
    { type: 'CaseListedAtMarac', data: { caseId: 'c' } },
    {
      type: 'MaracActionAgreed',
      data: { actionId: 'a-1', caseId: 'c', description: 'd', ownerAgency: 'housing', dueOn: '2026-06-20' },
    },
  ];
  const state = fold(maracMeetingDecider, events);
  const as = (role: 'marac_coordinator' | 'panel_member' | 'caseworker', agency: string) => ({
    ...policeCaseworker,
    role,
    agency: { ...policeCaseworker.agency, id: agency },
  });
  const complete = { type: 'CompleteMaracAction' as const, actionId: 'a-1', completedOn: '2026-06-12' };

  it('lets the coordinator run the meeting', () =>
    expect(() =>
      ensureMayActOnMeeting(
        as('marac_coordinator', 'police'),
        { type: 'ListCaseAtMarac', caseId: 'x', listedCase: { referredToMarac: true } },
        state,
      ),
    ).not.toThrow());
  it('lets a panel member complete an action their agency owns', () =>
    expect(() => ensureMayActOnMeeting(as('panel_member', 'housing'), complete, state)).not.toThrow());
  it("refuses a panel member another agency's action", () =>
    expect(() => ensureMayActOnMeeting(as('panel_member', 'health'), complete, state)).toThrow(NotPermitted));
  it('refuses a panel member running the meeting', () =>
    expect(() =>
      ensureMayActOnMeeting(
        as('panel_member', 'housing'),
        { type: 'ListCaseAtMarac', caseId: 'x', listedCase: { referredToMarac: true } },
        state,
      ),
    ).toThrow(NotPermitted));
  it('refuses a caseworker', () =>
    expect(() => ensureMayActOnMeeting(as('caseworker', 'housing'), complete, state)).toThrow(NotPermitted));
});
