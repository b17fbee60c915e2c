import type { CaseReadAccess } from './read-access';
import { redactEventData } from './redaction';

describe('the one redaction of personal data', () => {
  const ownAgency: CaseReadAccess = { personalDetails: true, placementAddress: true, history: true };
  const auditorWithReason: CaseReadAccess = { personalDetails: true, placementAddress: false, history: true };
  const pathwayOnly: CaseReadAccess = { personalDetails: false, placementAddress: false, history: false };
  const identified = { caseId: 'c', identifiedOn: '2026-03-01', personal: { name: 'Test Person', contact: '0700' } };
  const placed = { placementId: 'p', startedOn: '2026-03-05', personal: { address: '1 Synthetic Street' } };
  const note = { noteId: 'n', personal: { text: 'Spoke to the person' } };

  it('shows the case’s own agency everything', () => {
    expect(redactEventData('PotentialVictimIdentified', identified, ownAgency)).toEqual(identified);
    expect(redactEventData('SafeHousePlacementStarted', placed, ownAgency)).toEqual(placed);
    expect(redactEventData('NoteAdded', note, ownAgency)).toEqual(note);
  });

  it('never shows an auditor the safe-house address, even with a reason', () => {
    expect(redactEventData('PotentialVictimIdentified', identified, auditorWithReason)).toEqual(identified);
    expect(redactEventData('SafeHousePlacementStarted', placed, auditorWithReason)).toEqual({
      placementId: 'p',
      startedOn: '2026-03-05',
    });
    expect(redactEventData('SafeHousePlacementMoved', placed, auditorWithReason)).not.toHaveProperty('personal');
    expect(redactEventData('NoteAdded', note, auditorWithReason)).toEqual(note);
  });

  it('leaves only the facts of the pathway to readers without personal access', () => {
    expect(redactEventData('PotentialVictimIdentified', identified, pathwayOnly)).toEqual({
      caseId: 'c',
      identifiedOn: '2026-03-01',
    });
    expect(redactEventData('NoteAdded', note, pathwayOnly)).toEqual({ noteId: 'n' });
  });

  it('shows a personal part nobody classified only to a reader who may see every part', () => {
    const data = { personal: { anything: 'x' } };
    expect(redactEventData('SomethingNew', data, auditorWithReason)).toEqual({});
    expect(redactEventData('SomethingNew', data, ownAgency)).toEqual(data);
  });
});
