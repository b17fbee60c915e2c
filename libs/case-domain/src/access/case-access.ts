import type { Actor } from '../shared/actor';
import type { CaseCommand } from '../case/case-commands';
import { owningAgencyOf, type CaseState } from '../case/case-state';

/** The actor may not do this (403): a matter of role or agency, not of the pathway. */
export class NotPermitted extends Error {
  override readonly name = 'NotPermitted';
}

/** The command names a case that was never identified (404). */
export class CaseNotFound extends Error {
  override readonly name = 'CaseNotFound';
}

/**
 * The agencies a case belongs to: the one that owns it (that identified it, or took it over by a
 * transfer) and the one it is assigned to.
 */
export function agenciesOf(state: CaseState): string[] {
  return [owningAgencyOf(state), state.assignee?.agency].filter((agency): agency is string => agency !== undefined);
}

/** The answers only the receiving agency gives: to a share offered to it, or a transfer asked of it. */
const RECEIVING_AGENCY_COMMANDS: ReadonlySet<CaseCommand['type']> = new Set([
  'AcceptShare',
  'DeclineShare',
  'AcceptTransfer',
  'DeclineTransfer',
]);

/**
 * The agency a share or transfer command is addressed to, if the case has that share or a
 * transfer pending with that id (an unknown one is refused as not addressed to the caller, so
 * nobody learns which ids exist on another agency's case).
 */
function receivingAgencyOf(command: CaseCommand, state: CaseState): string | undefined {
  if (command.type === 'AcceptShare' || command.type === 'DeclineShare') {
    return state.shares?.find((candidate) => candidate.shareId === command.shareId)?.agency;
  }
  const transferId = (command as { readonly transferId: string }).transferId;
  return state.pendingTransfer?.transferId === transferId ? state.pendingTransfer.toAgency : undefined;
}

/** Erasure and legal holds: the data-protection role's, on any agency's case, and nobody else's. */
const DATA_PROTECTION_COMMANDS: ReadonlySet<CaseCommand['type']> = new Set([
  'ErasePersonalData',
  'SetLegalHold',
  'LiftLegalHold',
]);

/**
 * The domain page's "who may do what" for case commands: caseworkers act on their own agency's
 * cases (the owning or the assigned agency) and assign only within their own agency; a share or
 * a transfer is answered by a caseworker of the agency it is addressed to, and only by them; a
 * panel member adds notes to cases referred to the MARAC and listed at a meeting their agency
 * attends (`marac`, from the read models); no other role changes a case through these commands.
 */
export function ensureMayActOnCase(
  actor: Actor,
  command: CaseCommand,
  state: CaseState,
  marac: { readonly attendingAgencies: readonly string[] } = { attendingAgencies: [] },
): void {
  if (actor.role === 'panel_member' && command.type === 'AddNote') {
    if (!state.exists) throw new CaseNotFound('there is no such case');
    if (state.maracReferrals > 0 && marac.attendingAgencies.includes(actor.agency.id)) return;
    throw new NotPermitted('a panel member adds notes only to cases listed at a MARAC their agency attends');
  }
  if (DATA_PROTECTION_COMMANDS.has(command.type)) {
    if (actor.role !== 'data_protection') throw new NotPermitted(`only the data_protection role may ${command.type}`);
    if (!state.exists) throw new CaseNotFound('there is no such case');
    return;
  }
  if (actor.role !== 'caseworker') throw new NotPermitted(`the ${actor.role} role may not ${command.type}`);
  if (command.type === 'IdentifyPotentialVictim') return;
  if (!state.exists) throw new CaseNotFound('there is no such case');
  if (RECEIVING_AGENCY_COMMANDS.has(command.type)) {
    if (receivingAgencyOf(command, state) !== actor.agency.id) {
      throw new NotPermitted('no share or transfer with this id is addressed to your agency on this case');
    }
    return;
  }
  if (!agenciesOf(state).includes(actor.agency.id)) {
    throw new NotPermitted(`case belongs to ${agenciesOf(state).join(' and ')}, not ${actor.agency.id}`);
  }
  if (command.type === 'AssignCase' && command.agency !== actor.agency.id) {
    throw new NotPermitted('a caseworker assigns only within their own agency');
  }
}
