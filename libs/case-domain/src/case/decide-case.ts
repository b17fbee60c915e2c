import type { DecisionContext } from '../shared/actor';
import { ensure } from '../shared/rule-broken';
import type { CaseCommand } from './case-commands';
import type { CaseEvent } from './case-events';
import { withEnteredAt, type CaseState } from './case-state';
import {
  recordConsentDeclined,
  recordConsentGiven,
  submitDutyToNotify,
  submitNrmReferral,
} from './pathway/consent-and-referral';
import {
  recordConclusiveGroundsDecision,
  recordReasonableGroundsDecision,
  recordReconsiderationDecision,
  requestReconsideration,
} from './pathway/decisions';
import {
  ensureNothingPersonalAfterErasure,
  erasePersonalData,
  liftLegalHold,
  setLegalHold,
} from './pathway/data-protection';
import { completeFollowUp, recordExit } from './pathway/exit';
import { assignCase, identifyPotentialVictim } from './pathway/identification';
import {
  addNote,
  assessRisk,
  closeCase,
  referToMarac,
  reopenCase,
  reportFound,
  reportMissing,
} from './pathway/safeguarding';
import {
  acceptShare,
  acceptTransfer,
  declineShare,
  declineTransfer,
  requestTransfer,
  revokeShare,
  shareCase,
} from './pathway/sharing';
import {
  endSafeHousePlacement,
  moveSafeHousePlacement,
  recordPlacementReview,
  requestSafeHousePlacement,
  startMoveOnSupport,
  startOutreachSupport,
  startSafeHousePlacement,
} from './pathway/support';

/**
 * Decides what a command on a case records, or throws `PathwayRuleBroken` naming the rule it
 * breaks. Pure: the time and the actor come in through `context`.
 */
export function decideCase(command: CaseCommand, state: CaseState, context: DecisionContext): CaseEvent[] {
  const events = decideOnPathway(command, state, context);
  ensureNothingPersonalAfterErasure(state, events);
  // A deadline-starting event carries when it was entered (`Entered`), so every fold counts alike.
  return events.map((event) => withEnteredAt(event, context.now.toISOString()));
}

function decideOnPathway(command: CaseCommand, state: CaseState, context: DecisionContext): CaseEvent[] {
  if (command.type === 'IdentifyPotentialVictim') return identifyPotentialVictim(command, state, context);
  ensure(state.exists, 'case-not-identified');
  if (command.type === 'ReopenCase') return reopenCase(command, state, context);
  // Data protection applies to closed cases above all (retention runs from closure).
  if (command.type === 'ErasePersonalData') return erasePersonalData(command, state, context);
  if (command.type === 'SetLegalHold') return setLegalHold(command, state, context);
  if (command.type === 'LiftLegalHold') return liftLegalHold(command, state, context);
  // The owner may end a share at any time, a closed case's too.
  if (command.type === 'RevokeShare') return revokeShare(command, state, context);
  ensure(!state.closed, 'case-closed', 'a closed case allows nothing but re-opening');
  switch (command.type) {
    case 'AssignCase':
      return assignCase(command, state);
    case 'RecordConsentGiven':
      return recordConsentGiven(command, state, context);
    case 'RecordConsentDeclined':
      return recordConsentDeclined(command, state, context);
    case 'SubmitDutyToNotify':
      return submitDutyToNotify(command, state, context);
    case 'SubmitNrmReferral':
      return submitNrmReferral(command, state, context);
    case 'RecordReasonableGroundsDecision':
      return recordReasonableGroundsDecision(command, state, context);
    case 'RecordConclusiveGroundsDecision':
      return recordConclusiveGroundsDecision(command, state, context);
    case 'RequestReconsideration':
      return requestReconsideration(command, state, context);
    case 'RecordReconsiderationDecision':
      return recordReconsiderationDecision(command, state, context);
    case 'RequestSafeHousePlacement':
      return requestSafeHousePlacement(command, state, context);
    case 'StartSafeHousePlacement':
      return startSafeHousePlacement(command, state, context);
    case 'MoveSafeHousePlacement':
      return moveSafeHousePlacement(command, state, context);
    case 'RecordPlacementReview':
      return recordPlacementReview(command, state, context);
    case 'EndSafeHousePlacement':
      return endSafeHousePlacement(command, state, context);
    case 'StartOutreachSupport':
      return startOutreachSupport(command, state, context);
    case 'StartMoveOnSupport':
      return startMoveOnSupport(command, state, context);
    case 'RecordExit':
      return recordExit(command, state, context);
    case 'CompleteFollowUp':
      return completeFollowUp(command, state, context);
    case 'ReportMissing':
      return reportMissing(command, state, context);
    case 'ReportFound':
      return reportFound(command, state, context);
    case 'AssessRisk':
      return assessRisk(command, state, context);
    case 'ReferToMarac':
      return referToMarac(command, state, context);
    case 'AddNote':
      return addNote(command);
    case 'CloseCase':
      return closeCase(command, state, context);
    case 'ShareCase':
      return shareCase(command, state, context);
    case 'AcceptShare':
      return acceptShare(command, state, context);
    case 'DeclineShare':
      return declineShare(command, state, context);
    case 'RequestTransfer':
      return requestTransfer(command, state, context);
    case 'AcceptTransfer':
      return acceptTransfer(command, state, context);
    case 'DeclineTransfer':
      return declineTransfer(command, state, context);
  }
}
