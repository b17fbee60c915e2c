import type { DecisionContext } from '../../shared/actor';
import { ensure } from '../../shared/rule-broken';
import type { CaseEvent } from '../case-events';
import type { CompleteFollowUp, RecordExit } from '../case-commands';
import type { CaseState } from '../case-state';
import { WITHDRAWAL_REASONS } from '../typology';
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

/** Follow-ups after exit keep the person in view; each is numbered in order. */
export function completeFollowUp(command: CompleteFollowUp, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensure(state.exit !== undefined, 'follow-up-requires-exit');
  ensureDate(command.completedOn, now, state.exit.exitedOn);
  return [
    {
      type: 'FollowUpCompleted',
      data: { followUp: state.followUpsCompleted + 1, completedOn: command.completedOn, outcome: command.outcome },
    },
  ];
}
