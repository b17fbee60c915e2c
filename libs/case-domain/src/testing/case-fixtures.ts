// Synthetic cases for the domain tests: no real person's data.
import type { Actor, DecisionContext } from '../shared/actor';
import type { CaseEvent, PotentialVictimIdentified } from '../case/case-events';
import type { FollowUpSituation } from '../case/typology';

export const now = new Date('2026-06-15T10:00:00Z');

const agency = (id: string, type: Actor['agency']['type'], firstResponder: boolean, dutyToNotify: boolean) => ({
  id,
  type,
  firstResponder,
  dutyToNotify,
});
export const policeCaseworker: Actor = {
  userId: 'user-police-1',
  role: 'caseworker',
  agency: agency('police-west', 'police', true, true),
};
export const charityCaseworker: Actor = {
  userId: 'user-ngo-1',
  role: 'caseworker',
  agency: agency('safe-harbour', 'ngo', true, false),
};
export const healthCaseworker: Actor = {
  userId: 'user-health-1',
  role: 'caseworker',
  agency: agency('nhs-trust', 'health', false, false),
};
export const context: DecisionContext = { actor: policeCaseworker, now };

export const caseId = '0b6f3c1e-1111-4a4a-9c9c-000000000001';

const identified = (child: boolean): PotentialVictimIdentified => ({
  type: 'PotentialVictimIdentified',
  data: {
    caseId,
    identifyingAgency: 'police-west',
    identifiedOn: '2026-03-01',
    location: 'Car wash, Example Road',
    encounterContext: 'police_operation',
    indicators: ['withheld_documents', 'debt_bondage'],
    exploitationTypes: ['labour'],
    child,
    nationality: 'Testland',
    personal: { name: 'Test Person A', aliases: ['TPA'] },
  },
});
export const identifiedAdult = identified(false);
export const identifiedChild = identified(true);
export const consentGiven: CaseEvent = {
  type: 'ConsentGiven',
  data: { givenOn: '2026-03-02', language: 'ro', interpreterUsed: true },
};
export const consentDeclined: CaseEvent = {
  type: 'ConsentDeclined',
  data: { declinedOn: '2026-03-02', language: 'ro', interpreterUsed: true },
};
export const referred: CaseEvent = {
  type: 'NrmReferralSubmitted',
  data: {
    submittedOn: '2026-03-03',
    firstResponder: 'police-west',
    competentAuthority: 'single_competent_authority',
    reference: 'NRM-0001',
  },
};
export const rgPositive: CaseEvent = {
  type: 'ReasonableGroundsDecisionMade',
  data: { outcome: 'positive', decidedOn: '2026-03-10' },
};
export const rgNegative: CaseEvent = {
  type: 'ReasonableGroundsDecisionMade',
  data: { outcome: 'negative', decidedOn: '2026-03-10' },
};
export const cgPositive: CaseEvent = {
  type: 'ConclusiveGroundsDecisionMade',
  data: { outcome: 'positive', decidedOn: '2026-05-01' },
};
export const cgNegative: CaseEvent = {
  type: 'ConclusiveGroundsDecisionMade',
  data: { outcome: 'negative', decidedOn: '2026-05-01' },
};
export const placementStarted: CaseEvent = {
  type: 'SafeHousePlacementStarted',
  data: {
    placementId: 'placement-1',
    startedOn: '2026-03-11',
    provider: 'Safe House Org',
    emergencyOutsideNrm: false,
    personal: { address: '1 Test Street' },
  },
};
export const exited: CaseEvent = { type: 'ExitedNrm', data: { exitedOn: '2026-06-01', reason: 'support_completed' } };
export const closed: CaseEvent = { type: 'CaseClosed', data: { closedOn: '2026-06-02', reason: 'support_ended' } };
export const reportedMissing: CaseEvent = { type: 'ReportedMissing', data: { reportedOn: '2026-04-01' } };

/** An adult who consented and was referred, with a positive RG decision. */
export const inRecoveryPeriod = [identifiedAdult, consentGiven, referred, rgPositive];

/** A person found in contact, settled and safe at a follow-up: the situation a `stable` outcome describes. */
export const stableSituation: FollowUpSituation = {
  contact: 'in_contact',
  accommodation: 'settled',
  workOrEducation: 'employed',
  healthSupport: 'not_needed',
  exploitation: 'not_at_risk',
  immigrationStatus: 'resolved',
};

/** A person no follow-up could reach: what could not be found out is unknown. */
export const lostContactSituation: FollowUpSituation = {
  contact: 'lost_contact',
  accommodation: 'unknown',
  workOrEducation: 'unknown',
  healthSupport: 'unknown',
  exploitation: 'unknown',
  immigrationStatus: 'unknown',
};
