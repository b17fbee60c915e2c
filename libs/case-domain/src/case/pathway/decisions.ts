import type { DecisionContext } from '../../shared/actor';
import { ensure } from '../../shared/rule-broken';
import type { CaseEvent } from '../case-events';
import type {
  RecordConclusiveGroundsDecision,
  RecordReasonableGroundsDecision,
  RecordReconsiderationDecision,
  RequestReconsideration,
} from '../case-commands';
import type { CaseState } from '../case-state';
import { ensureDate } from './dates';

/** Records the competent authority's RG decision: only after a referral, and once (then reconsideration). */
export function recordReasonableGroundsDecision(
  command: RecordReasonableGroundsDecision,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  ensure(state.referredOn !== undefined, 'rg-decision-requires-referral');
  ensure(!state.reasonableGrounds, 'rg-decision-already-recorded');
  ensureDate(command.decidedOn, now, state.referredOn);
  return [{ type: 'ReasonableGroundsDecisionMade', data: { outcome: command.outcome, decidedOn: command.decidedOn } }];
}

/** Records the CG decision: only with a positive RG decision in force (first or on reconsideration). */
export function recordConclusiveGroundsDecision(
  command: RecordConclusiveGroundsDecision,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  ensure(state.reasonableGrounds?.outcome === 'positive', 'cg-decision-requires-positive-rg');
  ensure(!state.conclusiveGrounds, 'cg-decision-already-recorded');
  ensureDate(command.decidedOn, now, state.reasonableGrounds.decidedOn);
  return [{ type: 'ConclusiveGroundsDecisionMade', data: { outcome: command.outcome, decidedOn: command.decidedOn } }];
}

/** A reconsideration is asked only of a negative decision in force, before exit, one at a time. */
export function requestReconsideration(
  command: RequestReconsideration,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  const decision = command.decision === 'reasonable_grounds' ? state.reasonableGrounds : state.conclusiveGrounds;
  ensure(decision?.outcome === 'negative' && !state.exit, 'reconsideration-requires-negative-decision');
  ensure(!state.pendingReconsideration, 'reconsideration-already-requested');
  ensureDate(command.requestedOn, now, decision.decidedOn);
  return [{ type: 'ReconsiderationRequested', data: { decision: command.decision, requestedOn: command.requestedOn } }];
}

/** The reconsidered decision replaces the original: positive puts the case back on the path. */
export function recordReconsiderationDecision(
  command: RecordReconsiderationDecision,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  const pending = state.pendingReconsideration;
  ensure(pending?.decision === command.decision, 'reconsideration-not-requested');
  ensureDate(command.decidedOn, now, pending.requestedOn);
  const { decision, outcome, decidedOn } = command;
  return [{ type: 'ReconsiderationDecided', data: { decision, outcome, decidedOn } }];
}
