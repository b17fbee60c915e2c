import { ensureMayActOnCase, NotPermitted } from '../../access/case-access';
import { caseSpecification } from '../../testing/given-when-then';
import {
  closed,
  context,
  inRecoveryPeriod,
  now,
  placementStarted,
  policeCaseworker,
} from '../../testing/case-fixtures';
import type { Actor } from '../../shared/actor';
import { initialCaseState } from '../case-state';
import type { CaseCommand } from '../case-commands';
import { caseDecider } from '../case-decider';
import type { CaseEvent } from '../case-events';

const given = caseSpecification(context);
const dpo: Actor = { ...policeCaseworker, userId: 'dpo-1', role: 'data_protection' };
const key = { subject: 'victim-c', keyId: 'k-1', sealedFields: 4, digest: 'd'.repeat(64) };
const erase: CaseCommand = {
  type: 'ErasePersonalData',
  reason: 'data_subject_request',
  legalBasis: 'art17_1b_consent_withdrawn',
  key,
};
const erased: CaseEvent = {
  type: 'PersonalDataErased',
  data: {
    ...key,
    erasedOn: '2026-06-15',
    reason: 'data_subject_request',
    legalBasis: 'art17_1b_consent_withdrawn',
  },
};
const held: CaseEvent = { type: 'LegalHoldSet', data: { setOn: '2026-06-01', reason: 'criminal_proceedings' } };

describe('erasure of personal data', () => {
  it('records the destroyed key, the legal basis and the digest, dated today, even on a closed case', () => {
    given(...inRecoveryPeriod, closed)
      .when(erase)
      .then([erased]);
  });

  it('is refused while a legal hold is set', () => {
    given(...inRecoveryPeriod, held)
      .when(erase)
      .thenBreaks('legal-hold-set');
  });

  it('records nothing the second time', () => {
    given(...inRecoveryPeriod, erased)
      .when(erase)
      .then([]);
  });

  it('refuses anything that would keep personal data afterwards, and allows the pathway to go on', () => {
    given(...inRecoveryPeriod, erased)
      .when({ type: 'AddNote', noteId: 'n-1', text: 'Synthetic' })
      .thenBreaks('personal-data-erased');
    given(...inRecoveryPeriod, erased)
      .when({ type: 'AssessRisk', level: 'high', assessedOn: '2026-06-14', rationale: 'Synthetic' })
      .thenBreaks('personal-data-erased');
    given(...inRecoveryPeriod, erased)
      .when({ type: 'RecordConclusiveGroundsDecision', outcome: 'positive', decidedOn: '2026-06-14' })
      .then([{ type: 'ConclusiveGroundsDecisionMade', data: { outcome: 'positive', decidedOn: '2026-06-14' } }]);
  });

  it('is the data-protection role’s alone, on any agency’s case', () => {
    const state = caseDecider.evolve(initialCaseState, inRecoveryPeriod[0]!);
    expect(() => ensureMayActOnCase(dpo, erase, state)).not.toThrow();
    expect(() => ensureMayActOnCase(policeCaseworker, erase, state)).toThrow(NotPermitted);
    expect(() => ensureMayActOnCase(dpo, { type: 'AddNote', noteId: 'n', text: 't' }, state)).toThrow(NotPermitted);
  });
});

describe('legal holds', () => {
  it('sets a hold dated today with its reason; a second hold records nothing', () => {
    given(...inRecoveryPeriod, placementStarted)
      .when({ type: 'SetLegalHold', reason: 'criminal_proceedings' })
      .then([{ type: 'LegalHoldSet', data: { setOn: '2026-06-15', reason: 'criminal_proceedings' } }]);
    given(...inRecoveryPeriod, held)
      .when({ type: 'SetLegalHold', reason: 'civil_proceedings' })
      .then([]);
  });

  it('lifts a hold that is set, and refuses to lift one that is not', () => {
    given(...inRecoveryPeriod, held)
      .when({ type: 'LiftLegalHold', reason: 'proceedings_concluded' })
      .then([{ type: 'LegalHoldLifted', data: { liftedOn: '2026-06-15', reason: 'proceedings_concluded' } }]);
    given(...inRecoveryPeriod)
      .when({ type: 'LiftLegalHold', reason: 'set_in_error' })
      .thenBreaks('no-legal-hold');
  });

  it('dates what it records by the clock it is given', () => {
    expect(now.toISOString().slice(0, 10)).toBe('2026-06-15');
  });
});
