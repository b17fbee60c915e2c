import { fold } from '../shared/decider';
import { caseDecider } from '../case/case-decider';
import type { CaseCommand } from '../case/case-commands';
import { charityCaseworker, identifiedAdult, policeCaseworker } from '../testing/case-fixtures';
import { CaseNotFound, ensureMayActOnCase, NotPermitted } from './case-access';

describe('who may act on a case', () => {
  const note: CaseCommand = { type: 'AddNote', noteId: 'n-1', text: 'x' };
  const identified = fold(caseDecider, [identifiedAdult]);

  it("lets a caseworker act on their own agency's case", () =>
    expect(() => ensureMayActOnCase(policeCaseworker, note, identified)).not.toThrow());
  it('refuses a caseworker of another agency', () =>
    expect(() => ensureMayActOnCase(charityCaseworker, note, identified)).toThrow(NotPermitted));
  it('lets the agency a case is assigned to act on it', () => {
    const assigned = fold(caseDecider, [
      identifiedAdult,
      { type: 'CaseAssigned', data: { caseworkerId: 'cw', agency: 'safe-harbour' } },
    ]);
    expect(() => ensureMayActOnCase(charityCaseworker, note, assigned)).not.toThrow();
  });
  it('refuses assignment to another agency', () =>
    expect(() =>
      ensureMayActOnCase(
        policeCaseworker,
        { type: 'AssignCase', caseworkerId: 'cw', agency: 'safe-harbour' },
        identified,
      ),
    ).toThrow(NotPermitted));
  it.each(['auditor', 'admin', 'panel_member', 'marac_coordinator'] as const)(
    'refuses case commands to the %s role',
    (role) => expect(() => ensureMayActOnCase({ ...policeCaseworker, role }, note, identified)).toThrow(NotPermitted),
  );
  it('lets a panel member add notes to a case listed at a MARAC their agency attends, and nothing else', () => {
    const panel = { ...charityCaseworker, role: 'panel_member' as const };
    const attended = { attendingAgencies: ['safe-harbour', 'police'] };
    const referred = fold(caseDecider, [
      identifiedAdult,
      { type: 'ReferredToMarac', data: { referredOn: '2026-03-02', reason: 'high risk' } },
    ]);
    expect(() => ensureMayActOnCase(panel, note, referred, attended)).not.toThrow();
    // A listing without a MARAC referral (written before listings needed one) opens nothing.
    expect(() => ensureMayActOnCase(panel, note, identified, attended)).toThrow(NotPermitted);
    expect(() => ensureMayActOnCase(panel, note, identified, { attendingAgencies: ['police'] })).toThrow(NotPermitted);
    expect(() => ensureMayActOnCase(panel, note, identified)).toThrow(NotPermitted);
    expect(() =>
      ensureMayActOnCase(panel, { type: 'ReportMissing', reportedOn: '2026-06-01' }, referred, attended),
    ).toThrow(NotPermitted);
  });
  it('reports an unknown case as not found', () =>
    expect(() => ensureMayActOnCase(policeCaseworker, note, caseDecider.initialState)).toThrow(CaseNotFound));
});
