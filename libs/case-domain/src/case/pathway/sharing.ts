import type { DecisionContext } from '../../shared/actor';
import { isAfter, isBefore, londonDateOf, type LocalDate } from '../../shared/local-date';
import { ensure } from '../../shared/rule-broken';
import type { CaseEvent } from '../case-events';
import type {
  CaseCommand,
  AcceptShare,
  AcceptTransfer,
  DeclineShare,
  DeclineTransfer,
  RequestTransfer,
  RevokeShare,
  ShareCase,
} from '../case-commands';
import { owningAgencyOf, type CaseShare, type CaseState } from '../case-state';

/**
 * Does this share give read access today (Europe/London)? Only an accepted one, up to and
 * including its last day: access ends at midnight whether or not the expiry has been recorded yet.
 */
export function shareIsCurrent(share: CaseShare, today: LocalDate): boolean {
  return share.status === 'accepted' && (share.expiresOn === undefined || !isAfter(today, share.expiresOn));
}

/** A share still standing: offered and not answered, or accepted; either way not past its last day. */
function shareIsOpen(share: CaseShare, today: LocalDate): boolean {
  const live = share.status === 'awaiting_response' || share.status === 'accepted';
  return live && (share.expiresOn === undefined || !isAfter(today, share.expiresOn));
}

function shareOf(state: CaseState, shareId: string): CaseShare {
  const share = state.shares?.find((candidate) => candidate.shareId === shareId);
  ensure(share !== undefined, 'share-unknown', `there is no share ${shareId} on this case`);
  return share;
}

/**
 * The owning agency shares the case with another agency: one open share per agency at a time
 * (change the terms by revoking and sharing again), an expiry no earlier than today, and for an
 * adult the person's consent recorded as it stands (a share on the consent basis needs it given);
 * a child's share records none (children's services lead; the basis is safeguarding).
 */
export function shareCase(command: ShareCase, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  const today = londonDateOf(now);
  const owner = owningAgencyOf(state)!;
  ensure(command.withAgency !== owner, 'share-with-owning-agency', 'the case is already this agency’s');
  ensure(
    !(state.shares ?? []).some((share) => share.agency === command.withAgency && shareIsOpen(share, today)),
    'share-already-open',
    `${command.withAgency} already has a share of this case offered or accepted: revoke it first`,
  );
  if (command.expiresOn !== undefined) {
    ensure(
      !isBefore(command.expiresOn, today),
      'share-expiry-in-past',
      `${command.expiresOn} is before today (${today})`,
    );
  }
  if (state.child) {
    ensure(command.consent === undefined, 'share-consent-not-for-child', 'a child’s share records no consent');
  } else {
    ensure(
      command.consent !== undefined,
      'share-consent-not-recorded',
      'record the adult’s consent: given, refused or not_sought',
    );
    ensure(
      command.legalBasis !== 'consent' || command.consent === 'given',
      'share-consent-basis-without-consent',
      'a share on the consent basis needs the person’s consent given',
    );
  }
  const { type: _type, ...terms } = command;
  return [{ type: 'CaseShared', data: { ...terms, fromAgency: owner, sharedOn: today } }];
}

/** The receiving agency answers a share once, while it is offered and not past its last day. */
function ensureAwaitingResponse(share: CaseShare, today: LocalDate): void {
  ensure(share.status === 'awaiting_response', 'share-not-awaiting-response', `the share is ${share.status}`);
  ensure(
    share.expiresOn === undefined || !isAfter(today, share.expiresOn),
    'share-not-awaiting-response',
    `the share expired after ${share.expiresOn}`,
  );
}

export function acceptShare(command: AcceptShare, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  const today = londonDateOf(now);
  ensureAwaitingResponse(shareOf(state, command.shareId), today);
  return [{ type: 'CaseShareAccepted', data: { shareId: command.shareId, acceptedOn: today } }];
}

export function declineShare(command: DeclineShare, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  const today = londonDateOf(now);
  ensureAwaitingResponse(shareOf(state, command.shareId), today);
  return [{ type: 'CaseShareDeclined', data: { shareId: command.shareId, declinedOn: today, reason: command.reason } }];
}

/** The owner revokes a share offered or accepted; one already ended stays as it ended. */
export function revokeShare(command: RevokeShare, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  const share = shareOf(state, command.shareId);
  ensure(
    share.status === 'awaiting_response' || share.status === 'accepted',
    'share-already-ended',
    `the share is ${share.status}`,
  );
  const revokedOn = londonDateOf(now);
  const { shareId, reason } = command;
  return [{ type: 'CaseShareRevoked', data: { shareId, revokedOn, ...(reason === undefined ? {} : { reason }) } }];
}

/** One transfer asked for at a time, to another agency. */
export function requestTransfer(command: RequestTransfer, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  const owner = owningAgencyOf(state)!;
  ensure(command.toAgency !== owner, 'transfer-to-owning-agency', 'the case is already this agency’s');
  ensure(
    !state.pendingTransfer,
    'transfer-already-requested',
    `transfer ${state.pendingTransfer?.transferId} awaits an answer`,
  );
  const { transferId, toAgency, reason } = command;
  return [
    {
      type: 'CaseTransferRequested',
      data: { transferId, fromAgency: owner, toAgency, requestedOn: londonDateOf(now), reason },
    },
  ];
}

function ensureTransferPending(state: CaseState, transferId: string): void {
  ensure(
    state.pendingTransfer?.transferId === transferId,
    'transfer-not-requested',
    `there is no transfer ${transferId} awaiting an answer on this case`,
  );
}

export function acceptTransfer(command: AcceptTransfer, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensureTransferPending(state, command.transferId);
  const { toAgency } = state.pendingTransfer!;
  const data = {
    transferId: command.transferId,
    fromAgency: owningAgencyOf(state)!,
    toAgency,
    acceptedOn: londonDateOf(now),
  };
  return [{ type: 'CaseTransferAccepted', data }];
}

export function declineTransfer(command: DeclineTransfer, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensureTransferPending(state, command.transferId);
  const data = { transferId: command.transferId, declinedOn: londonDateOf(now), reason: command.reason };
  return [{ type: 'CaseTransferDeclined', data }];
}

/** A share or transfer names an agency the partnership has configured (422 `agency-not-configured` if not). */
export function ensureAddresseeConfigured(command: CaseCommand, isConfigured: (agencyId: string) => boolean): void {
  const named =
    command.type === 'ShareCase'
      ? command.withAgency
      : command.type === 'RequestTransfer'
        ? command.toAgency
        : undefined;
  if (named !== undefined)
    ensure(isConfigured(named), 'agency-not-configured', `not configured: ${JSON.stringify(named)}`);
}
