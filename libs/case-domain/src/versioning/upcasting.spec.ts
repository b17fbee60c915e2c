import { fold } from '../shared/decider';
import { caseDecider } from '../case/case-decider';
import type { CaseEvent } from '../case/case-events';
import { identifiedAdult } from '../testing/case-fixtures';
import { currentSchemaVersion, upcast, UnknownSchemaVersion } from './upcasting';

describe('upcasting stored events', () => {
  // As a version 1 PotentialVictimIdentified was stored: one exploitation type.
  const storedV1 = {
    caseId: identifiedAdult.data.caseId,
    identifyingAgency: 'police-west',
    identifiedOn: '2026-03-01',
    location: 'Car wash, Example Road',
    encounterContext: 'police_operation',
    indicators: ['withheld_documents'],
    exploitationType: 'criminal',
    child: true,
    personal: { name: 'Test Person B' },
  };
  const stored = { recordedAt: '2026-03-01T11:20:00.000Z' };

  it('writes PotentialVictimIdentified at version 3, the other deadline-starting events at 2, the rest at 1', () => {
    expect(currentSchemaVersion('PotentialVictimIdentified')).toBe(3);
    expect(currentSchemaVersion('ReasonableGroundsDecisionMade')).toBe(2);
    expect(currentSchemaVersion('ConsentGiven')).toBe(1);
  });

  it('reads a version 1 identification as version 2: the single type becomes a list', () => {
    const data = upcast('PotentialVictimIdentified', storedV1, 1, stored) as Record<string, unknown>;
    expect(data.exploitationTypes).toEqual(['criminal']);
    expect(data).not.toHaveProperty('exploitationType');
    expect(data.personal).toEqual({ name: 'Test Person B' });
  });

  it('folds an upcasted old event like a new one', () => {
    const event = {
      type: 'PotentialVictimIdentified',
      data: upcast('PotentialVictimIdentified', storedV1, 1, stored),
    } as CaseEvent;
    const state = fold(caseDecider, [event]);
    expect(state).toMatchObject({ exists: true, child: true, consent: 'not_required', identifiedOn: '2026-03-01' });
  });

  it('passes current versions through unchanged', () => {
    expect(upcast('PotentialVictimIdentified', identifiedAdult.data, 3, stored)).toBe(identifiedAdult.data);
    expect(upcast('ConsentGiven', { givenOn: '2026-03-02' }, 1, stored)).toEqual({ givenOn: '2026-03-02' });
  });

  it('gives an event written before `enteredAt` the instant it was recorded: deadlines count as they did', () => {
    const decision = { outcome: 'positive', decidedOn: '2026-03-09' };
    const upcasted = upcast('ReasonableGroundsDecisionMade', decision, 1, stored);
    expect(upcasted).toEqual({ ...decision, enteredAt: stored.recordedAt });
    // As the decider writes it now: `enteredAt` last, and the stored data left as it was.
    expect(Object.keys(upcasted as object)).toEqual(['outcome', 'decidedOn', 'enteredAt']);
    expect(decision).not.toHaveProperty('enteredAt');
    const state = fold(caseDecider, [
      {
        type: 'PotentialVictimIdentified',
        data: upcast('PotentialVictimIdentified', storedV1, 1, stored),
      } as CaseEvent,
    ]);
    expect(state.enteredAt).toMatchObject({ identified: stored.recordedAt });
  });

  it('refuses a version newer than the code knows, rather than misreading it', () => {
    expect(() => upcast('ConsentGiven', {}, 2, stored)).toThrow(UnknownSchemaVersion);
    expect(() => upcast('PotentialVictimIdentified', {}, 0, stored)).toThrow(UnknownSchemaVersion);
  });
});
