import type { DecisionContext } from '../../shared/actor';
import { ensure } from '../../shared/rule-broken';
import type { CaseEvent } from '../case-events';
import type {
  AddNote,
  AssessRisk,
  CloseCase,
  ReferToMarac,
  ReopenCase,
  ReportFound,
  ReportMissing,
} from '../case-commands';
import type { CaseState } from '../case-state';
import { ensureDate } from './dates';

export function reportMissing(command: ReportMissing, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensure(!state.missingSince, 'already-missing');
  ensureDate(command.reportedOn, now, state.identifiedOn);
  return [{ type: 'ReportedMissing', data: { reportedOn: command.reportedOn } }];
}

export function reportFound(command: ReportFound, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensure(state.missingSince !== undefined, 'not-missing');
  ensureDate(command.foundOn, now, state.missingSince);
  return [{ type: 'ReportedFound', data: { foundOn: command.foundOn } }];
}

export function assessRisk(command: AssessRisk, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensureDate(command.assessedOn, now, state.identifiedOn);
  const { level, assessedOn, rationale } = command;
  return [{ type: 'RiskAssessed', data: { level, assessedOn, rationale } }];
}

/** A case may be referred to the MARAC more than once: a repeat referral is itself a signal. */
export function referToMarac(command: ReferToMarac, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensureDate(command.referredOn, now, state.identifiedOn);
  return [{ type: 'ReferredToMarac', data: { referredOn: command.referredOn, reason: command.reason } }];
}

/** The note's text is restricted, so it travels as personal data. */
export function addNote(command: AddNote): CaseEvent[] {
  return [{ type: 'NoteAdded', data: { noteId: command.noteId, personal: { text: command.text } } }];
}

export function closeCase(command: CloseCase, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensureDate(command.closedOn, now, state.identifiedOn);
  return [{ type: 'CaseClosed', data: { closedOn: command.closedOn, reason: command.reason } }];
}

/** The one thing a closed case allows. */
export function reopenCase(command: ReopenCase, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensure(state.closed, 'case-not-closed');
  ensureDate(command.reopenedOn, now, state.closedOn);
  return [{ type: 'CaseReopened', data: { reopenedOn: command.reopenedOn, reason: command.reason } }];
}
