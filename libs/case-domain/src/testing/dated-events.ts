import type { CaseEvent } from '../case/case-events';
import { identifiedAdult } from './case-fixtures';

/** Case events dated as a test needs them (synthetic data), for the deadline and reminder specs. */
export const identifiedOn = (date: string, child = false): CaseEvent => ({
  ...identifiedAdult,
  data: { ...identifiedAdult.data, identifiedOn: date, child },
});
export const consent = (on: string): CaseEvent => ({
  type: 'ConsentGiven',
  data: { givenOn: on, language: 'en', interpreterUsed: false },
});
export const declined = (on: string): CaseEvent => ({
  type: 'ConsentDeclined',
  data: { declinedOn: on, language: 'en', interpreterUsed: false },
});
export const notified = (on: string): CaseEvent => ({
  type: 'DutyToNotifySubmitted',
  data: { submittedOn: on, agency: 'police-west', reference: 'DTN-1' },
});
export const referral = (on: string): CaseEvent => ({
  type: 'NrmReferralSubmitted',
  data: {
    submittedOn: on,
    firstResponder: 'police-west',
    competentAuthority: 'single_competent_authority',
    reference: 'R',
  },
});
export const rg = (on: string, outcome: 'positive' | 'negative' = 'positive'): CaseEvent => ({
  type: 'ReasonableGroundsDecisionMade',
  data: { outcome, decidedOn: on },
});
export const cg = (on: string, outcome: 'positive' | 'negative' = 'positive'): CaseEvent => ({
  type: 'ConclusiveGroundsDecisionMade',
  data: { outcome, decidedOn: on },
});
export const reconsiderationRequested = (
  decision: 'reasonable_grounds' | 'conclusive_grounds',
  on: string,
): CaseEvent => ({
  type: 'ReconsiderationRequested',
  data: { decision, requestedOn: on },
});
export const reconsidered = (
  decision: 'reasonable_grounds' | 'conclusive_grounds',
  outcome: 'positive' | 'negative',
  on: string,
): CaseEvent => ({ type: 'ReconsiderationDecided', data: { decision, outcome, decidedOn: on } });
export const placed = (on: string): CaseEvent => ({
  type: 'SafeHousePlacementStarted',
  data: { placementId: 'p', startedOn: on, provider: 'x', emergencyOutsideNrm: false, personal: { address: 'a' } },
});
export const placementReviewed = (
  on: string,
  outcome: 'continue' | 'move' | 'end_planned' = 'continue',
): CaseEvent => ({
  type: 'PlacementReviewed',
  data: { placementId: 'p', reviewedOn: on, outcome },
});
export const placementMoved = (on: string): CaseEvent => ({
  type: 'SafeHousePlacementMoved',
  data: { placementId: 'p', movedOn: on, provider: 'y', personal: { address: 'b' } },
});
export const placementEnded = (on: string): CaseEvent => ({
  type: 'SafeHousePlacementEnded',
  data: { placementId: 'p', endedOn: on, reason: 'moved_on' },
});
export const missing = (on: string): CaseEvent => ({ type: 'ReportedMissing', data: { reportedOn: on } });
export const found = (on: string): CaseEvent => ({ type: 'ReportedFound', data: { foundOn: on } });
export const exit = (on: string): CaseEvent => ({
  type: 'ExitedNrm',
  data: { exitedOn: on, reason: 'support_completed' },
});
export const followUp = (n: number, on: string): CaseEvent => ({
  type: 'FollowUpCompleted',
  data: { followUp: n, completedOn: on, outcome: 'stable' },
});
export const closure = (on: string): CaseEvent => ({ type: 'CaseClosed', data: { closedOn: on, reason: 'duplicate' } });
