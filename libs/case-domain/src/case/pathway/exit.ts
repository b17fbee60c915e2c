import type { DecisionContext } from '../../shared/actor';
import { ensure } from '../../shared/rule-broken';
import type { CaseEvent } from '../case-events';
import type { CompleteFollowUp, RecordExit } from '../case-commands';
import type { CaseState } from '../case-state';
import { WITHDRAWAL_REASONS, type FollowUpOutcome, type FollowUpSituation } from '../typology';
import { ensureDate } from './dates';

/**
 * Exit from the NRM: after a CG decision; or by withdrawal (the person leaves support, is missing
 * beyond what the policy allows, or is repatriated); or on a negative decision in force that is
 * not being reconsidered.
 */
export function recordExit(command: RecordExit, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensure(state.referredOn !== undefined, 'exit-requires-nrm-referral');
  ensure(!state.exit, 'exit-already-recorded');
  const decisionInForce = state.conclusiveGrounds ?? state.reasonableGrounds;
  const allowed =
    WITHDRAWAL_REASONS.includes(command.reason) ||
    (command.reason === 'support_completed' && state.conclusiveGrounds !== undefined) ||
    (command.reason === 'negative_decision' &&
      decisionInForce?.outcome === 'negative' &&
      !state.pendingReconsideration);
  ensure(allowed, 'exit-requires-cg-decision-or-withdrawal', `exit for ${command.reason} is not open to this case`);
  ensureDate(command.exitedOn, now, state.referredOn, decisionInForce?.decidedOn);
  return [{ type: 'ExitedNrm', data: { exitedOn: command.exitedOn, reason: command.reason } }];
}

/**
 * Follow-ups after exit keep the person in view; each is numbered in order and records the
 * person's situation, which must not contradict the follow-up's outcome.
 */
export function completeFollowUp(command: CompleteFollowUp, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensure(state.exit !== undefined, 'follow-up-requires-exit');
  ensureDate(command.completedOn, now, state.exit.exitedOn);
  const contradiction = contradictionOf(command.outcome, command.situation);
  ensure(contradiction === undefined, 'follow-up-situation-contradicts-outcome', contradiction);
  const { completedOn, outcome, situation } = command;
  return [
    {
      type: 'FollowUpCompleted',
      data: { followUp: state.followUpsCompleted + 1, completedOn, outcome, situation: { ...situation } },
    },
  ];
}

/**
 * What the outcome says about the situation: `stable` is a person in contact and not at risk;
 * `at_risk` and `re_exploited` name the exploitation found; `not_reachable` is lost contact.
 */
const OUTCOME_MEANS: Readonly<Record<FollowUpOutcome, Partial<FollowUpSituation>>> = {
  stable: { contact: 'in_contact', exploitation: 'not_at_risk' },
  at_risk: { exploitation: 'at_risk' },
  re_exploited: { exploitation: 're_exploited' },
  not_reachable: { contact: 'lost_contact' },
};

function contradictionOf(outcome: FollowUpOutcome, situation: FollowUpSituation): string | undefined {
  const contradicted = Object.entries(OUTCOME_MEANS[outcome]).filter(
    ([field, value]) => situation[field as keyof FollowUpSituation] !== value,
  );
  if (contradicted.length === 0) return undefined;
  return `an outcome of ${outcome} needs ${contradicted.map(([field, value]) => `${field} ${value}`).join(' and ')}`;
}
