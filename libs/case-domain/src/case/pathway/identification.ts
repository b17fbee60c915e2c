import type { DecisionContext } from '../../shared/actor';
import { ensure } from '../../shared/rule-broken';
import type { CaseEvent } from '../case-events';
import type { AssignCase, IdentifyPotentialVictim } from '../case-commands';
import type { CaseState } from '../case-state';
import { ensureDate } from './dates';

/** Opens the case. The identifying agency is the actor's; a case is identified once. */
export function identifyPotentialVictim(
  command: IdentifyPotentialVictim,
  state: CaseState,
  { actor, now }: DecisionContext,
): CaseEvent[] {
  ensure(!state.exists, 'case-already-identified');
  ensureDate(command.identifiedOn, now);
  const { type: _type, ...data } = command;
  return [{ type: 'PotentialVictimIdentified', data: { ...data, identifyingAgency: actor.agency.id } }];
}

/**
 * A re-referral names the person's earlier case (`previousCaseId`): another case, one already
 * identified. Whether it was is the earlier case's fact, read from its own stream by the caller;
 * the earlier case may be any agency's (the person may have moved area), and naming it writes
 * nothing to it.
 */
export function ensurePreviousCaseMayBeLinked(
  caseId: string,
  previous: { readonly caseId: string; readonly identified: boolean },
): void {
  ensure(previous.caseId !== caseId, 'previous-case-is-this-case', 'a case cannot be its own earlier case');
  ensure(previous.identified, 'previous-case-not-identified', `there is no case ${previous.caseId}`);
}

/** Assigns or re-assigns the case; assigning to whoever has it already is refused as a no-op. */
export function assignCase(command: AssignCase, state: CaseState): CaseEvent[] {
  ensure(
    state.assignee?.caseworkerId !== command.caseworkerId || state.assignee.agency !== command.agency,
    'assignment-unchanged',
  );
  return [{ type: 'CaseAssigned', data: { caseworkerId: command.caseworkerId, agency: command.agency } }];
}
