import { policeCaseworker } from '../testing/case-fixtures';
import type { Role } from '../shared/actor';
import { NotPermitted } from './case-access';
import { caseReadAccess, type CaseReadContext } from './read-access';

describe('who may read a case', () => {
  const as = (role: Role, agency: string) => ({
    ...policeCaseworker,
    role,
    agency: { ...policeCaseworker.agency, id: agency },
  });
  const policeCase: CaseReadContext = { caseAgencies: ['police'], maracAttendingAgencies: [], atMarac: false };
  const listed: CaseReadContext = {
    caseAgencies: ['police'],
    maracAttendingAgencies: ['housing', 'health'],
    atMarac: true,
  };

  it("shows the case's own caseworkers everything, safe-house address included", () =>
    expect(caseReadAccess(as('caseworker', 'police'), policeCase)).toEqual({
      personalDetails: true,
      placementAddress: true,
    }));
  it("refuses another agency's caseworker", () =>
    expect(() => caseReadAccess(as('caseworker', 'housing'), policeCase)).toThrow(NotPermitted));
  it('lets a caseworker of an agency attending a MARAC the case is listed at read the pathway, not the person', () =>
    expect(caseReadAccess(as('caseworker', 'housing'), listed)).toEqual({
      personalDetails: false,
      placementAddress: false,
    }));
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
    });
    expect(caseReadAccess(as('auditor', 'audit'), policeCase, 'complaint ref 42 review')).toEqual({
      personalDetails: true,
      placementAddress: false,
    });
  });
  it('refuses the admin role', () =>
    expect(() => caseReadAccess(as('admin', 'police'), policeCase)).toThrow(NotPermitted));
});
