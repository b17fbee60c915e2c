import { policeCaseworker } from '../testing/case-fixtures';
import type { Role } from '../shared/actor';
import { NotPermitted } from './case-access';
import {
  caseExportAccess,
  caseHistoryAccess,
  caseListScope,
  caseReadAccess,
  ensureMayReadAgenda,
  MARAC_ACTION_QUEUE,
  mayReadQueue,
  type CaseReadContext,
} from './read-access';

describe('who may read a case', () => {
  const as = (role: Role, agency: string) => ({
    ...policeCaseworker,
    role,
    agency: { ...policeCaseworker.agency, id: agency },
  });
  const policeCase: CaseReadContext = {
    caseAgencies: ['police'],
    maracAttendingAgencies: [],
    referredToMarac: false,
    sharedWith: [],
  };
  const listed: CaseReadContext = {
    caseAgencies: ['police'],
    maracAttendingAgencies: ['housing', 'health'],
    referredToMarac: true,
    sharedWith: [],
  };
  /** Listed at a meeting without a MARAC referral: written before listings needed one. */
  const listedUnreferred: CaseReadContext = { ...listed, referredToMarac: false };

  it("shows the case's own caseworkers everything, safe-house address included", () =>
    expect(caseReadAccess(as('caseworker', 'police'), policeCase)).toEqual({
      personalDetails: true,
      placementAddress: true,
      history: true,
    }));
  it("refuses another agency's caseworker", () =>
    expect(() => caseReadAccess(as('caseworker', 'housing'), policeCase)).toThrow(NotPermitted));
  it('lets a caseworker of an agency attending a MARAC the case is listed at read the pathway, not the person', () =>
    expect(caseReadAccess(as('caseworker', 'housing'), listed)).toEqual({
      personalDetails: false,
      placementAddress: false,
      history: false,
    }));

  it('opens nothing to attending agencies through a listing without a MARAC referral', () => {
    expect(() => caseReadAccess(as('caseworker', 'housing'), listedUnreferred)).toThrow(NotPermitted);
    expect(() => caseReadAccess(as('panel_member', 'health'), listedUnreferred)).toThrow(NotPermitted);
    expect(() => caseReadAccess(as('marac_coordinator', 'police'), listedUnreferred)).toThrow(NotPermitted);
  });
  it('lets a panel member read cases listed at meetings their agency attends, and no other', () => {
    expect(caseReadAccess(as('panel_member', 'health'), listed).personalDetails).toBe(false);
    expect(() => caseReadAccess(as('panel_member', 'la-adult-services'), listed)).toThrow(NotPermitted);
  });
  it('lets the coordinator read cases at the MARAC only', () => {
    expect(() => caseReadAccess(as('marac_coordinator', 'police'), listed)).not.toThrow();
    expect(() => caseReadAccess(as('marac_coordinator', 'police'), policeCase)).toThrow(NotPermitted);
  });
  it('shows an auditor personal details only with a reason, and never the safe-house address', () => {
    expect(caseReadAccess(as('auditor', 'audit'), policeCase)).toEqual({
      personalDetails: false,
      placementAddress: false,
      history: true,
    });
    expect(caseReadAccess(as('auditor', 'audit'), policeCase, 'complaint ref 42 review')).toEqual({
      personalDetails: true,
      placementAddress: false,
      history: true,
    });
  });
  it('refuses the admin role', () =>
    expect(() => caseReadAccess(as('admin', 'police'), policeCase)).toThrow(NotPermitted));

  it('opens the history to auditors and the case’s own agency only, never through a MARAC listing', () => {
    expect(caseHistoryAccess(as('caseworker', 'police'), listed).history).toBe(true);
    expect(caseHistoryAccess(as('auditor', 'audit'), listed).personalDetails).toBe(false);
    expect(() => caseHistoryAccess(as('caseworker', 'housing'), listed)).toThrow(/own agency read its history/);
    expect(() => caseHistoryAccess(as('panel_member', 'health'), listed)).toThrow(NotPermitted);
    expect(() => caseHistoryAccess(as('marac_coordinator', 'police'), listed)).toThrow(NotPermitted);
    expect(() => caseHistoryAccess(as('data_protection', 'police'), listed)).toThrow(NotPermitted);
  });
  it('lets an auditor export a case only with a reason, and the case’s own agency without one', () => {
    expect(() => caseExportAccess(as('auditor', 'audit'), policeCase)).toThrow(/must say why/);
    expect(() => caseExportAccess(as('auditor', 'audit'), policeCase, 'too short')).toThrow(/must say why/);
    expect(caseExportAccess(as('auditor', 'audit'), policeCase, 'SAR-2026-17 disclosure')).toEqual({
      personalDetails: true,
      placementAddress: false,
      history: true,
    });
    expect(caseExportAccess(as('caseworker', 'police'), policeCase).placementAddress).toBe(true);
    expect(() => caseExportAccess(as('caseworker', 'housing'), listed)).toThrow(NotPermitted);
  });
});

describe('who may read lists, queues and agendas', () => {
  const as = (role: Role, agency = 'police') => ({
    ...policeCaseworker,
    role,
    agency: { ...policeCaseworker.agency, id: agency },
  });

  it("narrows a caseworker's list to their agency, the coordinator's to MARAC referrals, and refuses others", () => {
    expect(caseListScope(as('caseworker'), undefined)).toEqual({ agency: 'police' });
    expect(() => caseListScope(as('caseworker'), 'housing')).toThrow(NotPermitted);
    expect(caseListScope(as('marac_coordinator'), 'housing')).toEqual({ referredToMarac: true });
    expect(caseListScope(as('auditor'), 'housing')).toEqual({});
    for (const role of ['panel_member', 'admin'] as const) expect(() => caseListScope(as(role), undefined)).toThrow();
  });

  it('lets panel members and the coordinator read only the overdue MARAC actions queue', () => {
    expect(mayReadQueue(as('caseworker'), 'unassigned', undefined)).toBe(true);
    expect(mayReadQueue(as('caseworker'), 'unassigned', 'housing')).toBe(false);
    expect(mayReadQueue(as('panel_member'), MARAC_ACTION_QUEUE, undefined)).toBe(true);
    expect(mayReadQueue(as('panel_member'), 'unassigned', undefined)).toBe(false);
    expect(mayReadQueue(as('panel_member'), MARAC_ACTION_QUEUE, 'housing')).toBe(false);
    expect(mayReadQueue(as('marac_coordinator'), MARAC_ACTION_QUEUE, 'housing')).toBe(true);
    expect(mayReadQueue(as('marac_coordinator'), 'needs-placement', undefined)).toBe(false);
    expect(mayReadQueue(as('auditor'), 'needs-placement', 'housing')).toBe(true);
    expect(mayReadQueue(as('admin'), MARAC_ACTION_QUEUE, undefined)).toBe(false);
  });

  it('shows an agenda to the coordinator, auditors and the attending agencies', () => {
    const meeting = { attendingAgencies: ['housing'] };
    expect(() => ensureMayReadAgenda(as('marac_coordinator'), meeting)).not.toThrow();
    expect(() => ensureMayReadAgenda(as('auditor'), meeting)).not.toThrow();
    expect(() => ensureMayReadAgenda(as('panel_member', 'housing'), meeting)).not.toThrow();
    expect(() => ensureMayReadAgenda(as('caseworker', 'housing'), meeting)).not.toThrow();
    expect(() => ensureMayReadAgenda(as('panel_member', 'health'), meeting)).toThrow(NotPermitted);
    expect(() => ensureMayReadAgenda(as('admin', 'housing'), meeting)).toThrow(NotPermitted);
  });
});
