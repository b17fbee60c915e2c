import type { DecisionContext } from '../../shared/actor';
import { ensure } from '../../shared/rule-broken';
import type { CaseEvent } from '../case-events';
import type {
  EndSafeHousePlacement,
  MoveSafeHousePlacement,
  RecordPlacementReview,
  RequestSafeHousePlacement,
  StartMoveOnSupport,
  StartOutreachSupport,
  StartSafeHousePlacement,
} from '../case-commands';
import type { CaseState } from '../case-state';
import { ensureDate } from './dates';

/** Support through the NRM is an entitlement of a positive RG decision in force, until exit. */
const entitledToSupport = (state: CaseState) => state.reasonableGrounds?.outcome === 'positive' && !state.exit;

/**
 * A safe house needs the support entitlement, unless it is local-authority emergency accommodation
 * outside the NRM (flagged as such).
 */
export function requestSafeHousePlacement(
  command: RequestSafeHousePlacement,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  ensure(command.emergencyOutsideNrm || entitledToSupport(state), 'placement-requires-support-entitlement');
  ensure(!state.placementRequested, 'placement-already-requested');
  ensure(!state.activePlacement, 'placement-already-active');
  ensureDate(command.requestedOn, now, state.identifiedOn);
  return [
    {
      type: 'SafeHousePlacementRequested',
      data: { requestedOn: command.requestedOn, emergencyOutsideNrm: command.emergencyOutsideNrm },
    },
  ];
}

/** One active placement at a time; the address is personal data. */
export function startSafeHousePlacement(
  command: StartSafeHousePlacement,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  ensure(command.emergencyOutsideNrm || entitledToSupport(state), 'placement-requires-support-entitlement');
  ensure(!state.activePlacement, 'placement-already-active');
  ensureDate(command.startedOn, now, state.identifiedOn, state.placementRequested?.requestedOn);
  const { placementId, startedOn, provider, emergencyOutsideNrm, address } = command;
  return [
    {
      type: 'SafeHousePlacementStarted',
      data: { placementId, startedOn, provider, emergencyOutsideNrm, personal: { address } },
    },
  ];
}

export function moveSafeHousePlacement(
  command: MoveSafeHousePlacement,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  const placement = state.activePlacement;
  ensure(placement !== undefined, 'placement-not-active');
  ensureDate(command.movedOn, now, placement.lastChangedOn);
  return [
    {
      type: 'SafeHousePlacementMoved',
      data: {
        placementId: placement.placementId,
        movedOn: command.movedOn,
        provider: command.provider,
        personal: { address: command.address },
      },
    },
  ];
}

/**
 * A review of the active placement (every 28 days by default): only while a placement is active,
 * dated no earlier than its start or last move and its previous review, and not in the future. It
 * settles the review due and the next one counts from its date (`deadlinesFor`).
 */
export function recordPlacementReview(
  command: RecordPlacementReview,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  const placement = state.activePlacement;
  ensure(placement !== undefined, 'placement-not-active');
  ensureDate(command.reviewedOn, now, placement.lastChangedOn, placement.lastReviewedOn);
  return [
    {
      type: 'PlacementReviewed',
      data: { placementId: placement.placementId, reviewedOn: command.reviewedOn, outcome: command.outcome },
    },
  ];
}

export function endSafeHousePlacement(
  command: EndSafeHousePlacement,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  const placement = state.activePlacement;
  ensure(placement !== undefined, 'placement-not-active');
  ensureDate(command.endedOn, now, placement.lastChangedOn);
  return [
    {
      type: 'SafeHousePlacementEnded',
      data: { placementId: placement.placementId, endedOn: command.endedOn, reason: command.reason },
    },
  ];
}

/** Outreach support instead of accommodation: the same entitlement as a safe house. */
export function startOutreachSupport(
  command: StartOutreachSupport,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  ensure(entitledToSupport(state), 'outreach-requires-support-entitlement');
  ensureDate(command.startedOn, now, state.reasonableGrounds?.decidedOn);
  return [{ type: 'OutreachSupportStarted', data: { startedOn: command.startedOn, provider: command.provider } }];
}

/** Move-on support follows a CG decision (positive or negative), once, before exit. */
export function startMoveOnSupport(
  command: StartMoveOnSupport,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  ensure(state.conclusiveGrounds !== undefined && !state.exit, 'move-on-requires-cg-decision');
  ensure(!state.moveOnSince, 'move-on-already-started');
  ensureDate(command.startedOn, now, state.conclusiveGrounds.decidedOn);
  return [{ type: 'MoveOnSupportStarted', data: { startedOn: command.startedOn, provider: command.provider } }];
}
