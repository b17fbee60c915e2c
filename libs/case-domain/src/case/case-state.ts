import type { LocalDate } from '../shared/local-date';
import type { CaseEvent, DecisionKind, Entered } from './case-events';
import type {
  DecisionOutcome,
  ExitReason,
  LegalHoldReason,
  RiskLevel,
  SharePurpose,
  ShareScope,
  SharingLegalBasis,
} from './typology';

/** Where a share stands: only an accepted one (and unexpired: `shareIsCurrent`) gives read access. */
export type ShareStatus = 'awaiting_response' | 'accepted' | 'declined' | 'revoked' | 'expired';

/** A share of the case with another agency, as its events left it. */
export interface CaseShare {
  readonly shareId: string;
  readonly agency: string;
  readonly purpose: SharePurpose;
  readonly legalBasis: SharingLegalBasis;
  readonly scope: ShareScope;
  readonly sharedOn: LocalDate;
  /** The last day it gives access (Europe/London); none: until revoked. */
  readonly expiresOn: LocalDate | undefined;
  readonly status: ShareStatus;
}

export interface Decision {
  readonly outcome: DecisionOutcome;
  readonly decidedOn: LocalDate;
}

/** What the rules need to know about a case: the fold of its events. */
export interface CaseState {
  readonly exists: boolean;
  readonly caseId?: string;
  readonly child: boolean;
  readonly identifyingAgency?: string;
  readonly identifiedOn?: LocalDate;
  /** The local authority area, where the partnership uses areas: which MARAC meetings may list the case. */
  readonly area?: string;
  readonly closed: boolean;
  readonly closedOn?: LocalDate;
  readonly assignee?: { readonly caseworkerId: string; readonly agency: string };
  /** A child needs no consent; an adult's is awaited until given or declined. */
  readonly consent: 'not_required' | 'awaiting' | 'given' | 'declined';
  readonly consentOn?: LocalDate;
  readonly dutyToNotifyOn?: LocalDate;
  readonly referredOn?: LocalDate;
  /** The decision in force: a reconsideration's outcome replaces the original. */
  readonly reasonableGrounds?: Decision;
  readonly conclusiveGrounds?: Decision;
  readonly pendingReconsideration?: { readonly decision: DecisionKind; readonly requestedOn: LocalDate };
  readonly placementRequested?: { readonly requestedOn: LocalDate; readonly emergencyOutsideNrm: boolean };
  readonly activePlacement?: {
    readonly placementId: string;
    readonly startedOn: LocalDate;
    readonly lastChangedOn: LocalDate;
    readonly emergencyOutsideNrm: boolean;
    /** Who runs it (an agency id where the provider is a configured agency): a share may show it the address. */
    readonly provider: string;
    /**
     * The date of its latest review, if it has had one: the next review is counted from it. Last,
     * so a state read back from JSON (which drops it while unset) keeps its keys in one order.
     */
    readonly lastReviewedOn: LocalDate | undefined;
  };
  readonly outreachSince?: LocalDate;
  readonly moveOnSince?: LocalDate;
  readonly exit?: { readonly exitedOn: LocalDate; readonly reason: ExitReason };
  readonly followUpsCompleted: number;
  readonly missingSince?: LocalDate;
  readonly riskLevel?: RiskLevel;
  readonly maracReferrals: number;
  /**
   * When each deadline's starting fact was entered (`Entered.enteredAt`, from the event's data):
   * deadlines in hours or seconds count from it, and a reminder already past at that instant is
   * a back-dated one (`pendingReminders`).
   */
  readonly enteredAt?: Readonly<Partial<Record<DeadlineStart, string>>>;
  /** The person's data key was destroyed: nothing personal can be recorded for them again. */
  readonly personalDataErased?: { readonly erasedOn: LocalDate; readonly keyId: string };
  /** Kept out of erasure and the retention review while set. */
  readonly legalHold?: { readonly setOn: LocalDate; readonly reason: LegalHoldReason };
  /** The reminders raised so far (`reminderId`: deadline key and reminder time), oldest first. */
  readonly remindersRaised?: readonly string[];
  /** The agency that owns the case after a transfer; before any, the identifying agency (`owningAgencyOf`). */
  readonly owningAgency?: string;
  /** Every share ever offered, oldest first, each as it stands now. */
  readonly shares?: readonly CaseShare[];
  /** A transfer asked for and not yet accepted or declined. */
  readonly pendingTransfer?: {
    readonly transferId: string;
    readonly toAgency: string;
    readonly requestedOn: LocalDate;
  };
}

/** The agency that owns the case: the one it was last transferred to, else the one that identified it. */
export const owningAgencyOf = (state: CaseState): string | undefined => state.owningAgency ?? state.identifyingAgency;

/** One reminder of one deadline of a case: what `ReminderRaised` is unique by. */
export const reminderId = (key: string, reminderAt: string): string => `${key}@${new Date(reminderAt).toISOString()}`;

/** The events deadlines run from. */
export type DeadlineStart =
  'identified' | 'referred' | 'reasonableGrounds' | 'conclusiveGrounds' | 'exit' | 'placement' | 'missing';

const STARTS: Partial<Record<CaseEvent['type'], DeadlineStart>> = {
  PotentialVictimIdentified: 'identified',
  NrmReferralSubmitted: 'referred',
  ReasonableGroundsDecisionMade: 'reasonableGrounds',
  ConclusiveGroundsDecisionMade: 'conclusiveGrounds',
  ExitedNrm: 'exit',
  SafeHousePlacementStarted: 'placement',
  SafeHousePlacementMoved: 'placement',
  PlacementReviewed: 'placement',
  ReportedMissing: 'missing',
};

/** The event as the decider writes it when entered at `at`: a deadline-starting one carries `enteredAt`. */
export function withEnteredAt(event: CaseEvent, at: string): CaseEvent {
  if (deadlineStartOf(event) === undefined) return event;
  return { ...event, data: { ...event.data, enteredAt: at } } as CaseEvent;
}

/** Which deadline an event starts (or starts again), if any: what its `enteredAt` is kept as. */
export function deadlineStartOf(event: CaseEvent): DeadlineStart | undefined {
  if (event.type === 'ReconsiderationDecided') {
    return event.data.decision === 'reasonable_grounds' ? 'reasonableGrounds' : 'conclusiveGrounds';
  }
  return STARTS[event.type];
}

/**
 * Before any event. Every field is here, unset ones as undefined (which JSON leaves out), so every
 * state folded from it has the same keys in the same order and `{ ...state, field }` never adds a
 * key: on Node 20 that would give each state a hidden class of its own. Listing only the set
 * fields here makes folding twice as slow (`bench/projections/fold-micro.ts`), for every fold of a
 * case (command side, read models, reminders), so this stays with the one evolve.
 */
export const initialCaseState: CaseState = {
  exists: false,
  caseId: undefined,
  child: false,
  identifyingAgency: undefined,
  identifiedOn: undefined,
  area: undefined,
  closed: false,
  closedOn: undefined,
  assignee: undefined,
  consent: 'awaiting',
  consentOn: undefined,
  dutyToNotifyOn: undefined,
  referredOn: undefined,
  reasonableGrounds: undefined,
  conclusiveGrounds: undefined,
  pendingReconsideration: undefined,
  placementRequested: undefined,
  activePlacement: undefined,
  outreachSince: undefined,
  moveOnSince: undefined,
  exit: undefined,
  followUpsCompleted: 0,
  missingSince: undefined,
  riskLevel: undefined,
  maracReferrals: 0,
  enteredAt: undefined,
  remindersRaised: undefined,
  personalDataErased: undefined,
  legalHold: undefined,
  owningAgency: undefined,
  shares: undefined,
  pendingTransfer: undefined,
};

/**
 * The case events `evolveCase` folds to the state as it was (a note): nothing derived from the state,
 * its deadlines and reminders above all, can change with them.
 */
export const STATE_NEUTRAL_EVENTS: ReadonlySet<CaseEvent['type']> = new Set<CaseEvent['type']>(['NoteAdded']);

/**
 * Folds one event into the state: the one evolve of a case, used by the command side, the read
 * models and the reminders alike. Pure, and the event alone decides (no metadata), so every fold
 * of a stream gives the same state. Never refuses an event (the rules ran when it was decided).
 * An event that starts a deadline (`deadlineStartOf`) also records when its fact was entered.
 */
export function evolveCase(state: CaseState, event: CaseEvent): CaseState {
  switch (event.type) {
    case 'PotentialVictimIdentified':
      return {
        ...state,
        exists: true,
        caseId: event.data.caseId,
        child: event.data.child,
        identifyingAgency: event.data.identifyingAgency,
        identifiedOn: event.data.identifiedOn,
        area: event.data.area,
        consent: event.data.child ? 'not_required' : 'awaiting',
        enteredAt: entered(state, 'identified', event.data),
      };
    case 'CaseAssigned':
      return { ...state, assignee: { caseworkerId: event.data.caseworkerId, agency: event.data.agency } };
    case 'ConsentGiven':
      return { ...state, consent: 'given', consentOn: event.data.givenOn };
    case 'ConsentDeclined':
      return { ...state, consent: 'declined', consentOn: event.data.declinedOn };
    case 'DutyToNotifySubmitted':
      return { ...state, dutyToNotifyOn: event.data.submittedOn };
    case 'NrmReferralSubmitted':
      return { ...state, referredOn: event.data.submittedOn, enteredAt: entered(state, 'referred', event.data) };
    case 'ReasonableGroundsDecisionMade':
      return {
        ...state,
        reasonableGrounds: { outcome: event.data.outcome, decidedOn: event.data.decidedOn },
        enteredAt: entered(state, 'reasonableGrounds', event.data),
      };
    case 'ConclusiveGroundsDecisionMade':
      return {
        ...state,
        conclusiveGrounds: { outcome: event.data.outcome, decidedOn: event.data.decidedOn },
        enteredAt: entered(state, 'conclusiveGrounds', event.data),
      };
    case 'ReconsiderationRequested':
      return {
        ...state,
        pendingReconsideration: { decision: event.data.decision, requestedOn: event.data.requestedOn },
      };
    case 'ReconsiderationDecided': {
      const decision = { outcome: event.data.outcome, decidedOn: event.data.decidedOn };
      return event.data.decision === 'reasonable_grounds'
        ? {
            ...state,
            pendingReconsideration: undefined,
            reasonableGrounds: decision,
            enteredAt: entered(state, 'reasonableGrounds', event.data),
          }
        : {
            ...state,
            pendingReconsideration: undefined,
            conclusiveGrounds: decision,
            enteredAt: entered(state, 'conclusiveGrounds', event.data),
          };
    }
    case 'SafeHousePlacementRequested':
      return { ...state, placementRequested: { ...event.data } };
    case 'SafeHousePlacementStarted':
      return {
        ...state,
        placementRequested: undefined,
        activePlacement: {
          placementId: event.data.placementId,
          startedOn: event.data.startedOn,
          lastChangedOn: event.data.startedOn,
          emergencyOutsideNrm: event.data.emergencyOutsideNrm,
          provider: event.data.provider,
          lastReviewedOn: undefined,
        },
        enteredAt: entered(state, 'placement', event.data),
      };
    case 'SafeHousePlacementMoved':
      return {
        ...state,
        activePlacement: state.activePlacement && {
          ...state.activePlacement,
          lastChangedOn: event.data.movedOn,
          provider: event.data.provider,
        },
        enteredAt: entered(state, 'placement', event.data),
      };
    case 'PlacementReviewed':
      return {
        ...state,
        activePlacement: state.activePlacement && {
          ...state.activePlacement,
          lastReviewedOn: event.data.reviewedOn,
        },
        enteredAt: entered(state, 'placement', event.data),
      };
    case 'SafeHousePlacementEnded':
      return { ...state, activePlacement: undefined };
    case 'OutreachSupportStarted':
      return { ...state, outreachSince: event.data.startedOn };
    case 'MoveOnSupportStarted':
      return { ...state, moveOnSince: event.data.startedOn };
    case 'ExitedNrm':
      return { ...state, exit: { ...event.data }, enteredAt: entered(state, 'exit', event.data) };
    case 'FollowUpCompleted':
      return { ...state, followUpsCompleted: state.followUpsCompleted + 1 };
    case 'ReportedMissing':
      return { ...state, missingSince: event.data.reportedOn, enteredAt: entered(state, 'missing', event.data) };
    case 'ReportedFound':
      return { ...state, missingSince: undefined };
    case 'RiskAssessed':
      return { ...state, riskLevel: event.data.level };
    case 'ReferredToMarac':
      return { ...state, maracReferrals: state.maracReferrals + 1 };
    case 'CaseClosed':
      return { ...state, closed: true, closedOn: event.data.closedOn };
    case 'CaseReopened':
      return { ...state, closed: false, closedOn: undefined };
    case 'ReminderRaised':
      return {
        ...state,
        remindersRaised: [...(state.remindersRaised ?? []), reminderId(event.data.key, event.data.reminderAt)],
      };
    case 'NoteAdded':
      return state;
    case 'PersonalDataErased':
      return { ...state, personalDataErased: { erasedOn: event.data.erasedOn, keyId: event.data.keyId } };
    case 'LegalHoldSet':
      return { ...state, legalHold: { setOn: event.data.setOn, reason: event.data.reason } };
    case 'LegalHoldLifted':
      return { ...state, legalHold: undefined };
    case 'CaseShared': {
      const { shareId, withAgency, purpose, legalBasis, scope, sharedOn, expiresOn } = event.data;
      const share: CaseShare = {
        shareId,
        agency: withAgency,
        purpose,
        legalBasis,
        scope,
        sharedOn,
        expiresOn,
        status: 'awaiting_response',
      };
      return { ...state, shares: [...(state.shares ?? []), share] };
    }
    case 'CaseShareAccepted':
      return withShareStatus(state, event.data.shareId, 'accepted');
    case 'CaseShareDeclined':
      return withShareStatus(state, event.data.shareId, 'declined');
    case 'CaseShareRevoked':
      return withShareStatus(state, event.data.shareId, 'revoked');
    case 'CaseShareExpired':
      return withShareStatus(state, event.data.shareId, 'expired');
    case 'CaseTransferRequested':
      return {
        ...state,
        pendingTransfer: {
          transferId: event.data.transferId,
          toAgency: event.data.toAgency,
          requestedOn: event.data.requestedOn,
        },
      };
    case 'CaseTransferAccepted':
      // The assignment follows the ownership: a caseworker of the old agency no longer holds the case.
      return {
        ...state,
        owningAgency: event.data.toAgency,
        pendingTransfer: undefined,
        assignee: state.assignee?.agency === event.data.toAgency ? state.assignee : undefined,
      };
    case 'CaseTransferDeclined':
      return { ...state, pendingTransfer: undefined };
  }
}

function withShareStatus(state: CaseState, shareId: string, status: ShareStatus): CaseState {
  const shares = (state.shares ?? []).map((share) => (share.shareId === shareId ? { ...share, status } : share));
  return { ...state, shares };
}

/**
 * The state's entry times with the fact `start` entered when the event says (`Entered`), the rest
 * as they were: every start listed, in one order, as a state's own fields are.
 */
function entered(state: CaseState, start: DeadlineStart, { enteredAt }: Entered): CaseState['enteredAt'] {
  const was = state.enteredAt;
  return {
    identified: start === 'identified' ? enteredAt : was?.identified,
    referred: start === 'referred' ? enteredAt : was?.referred,
    reasonableGrounds: start === 'reasonableGrounds' ? enteredAt : was?.reasonableGrounds,
    conclusiveGrounds: start === 'conclusiveGrounds' ? enteredAt : was?.conclusiveGrounds,
    exit: start === 'exit' ? enteredAt : was?.exit,
    placement: start === 'placement' ? enteredAt : was?.placement,
    missing: start === 'missing' ? enteredAt : was?.missing,
  };
}

/** Where the case is on the pathway, in the domain page's words. */
export type CaseStage =
  | 'not_identified'
  | 'identified'
  | 'awaiting_referral'
  | 'duty_to_notify_submitted'
  | 'referred'
  | 'recovery_period'
  | 'negative_reasonable_grounds'
  | 'move_on'
  | 'negative_conclusive_grounds'
  | 'exited'
  | 'closed';

export function stageOf(state: CaseState): CaseStage {
  if (!state.exists) return 'not_identified';
  if (state.closed) return 'closed';
  if (state.exit) return 'exited';
  if (state.conclusiveGrounds)
    return state.conclusiveGrounds.outcome === 'positive' ? 'move_on' : 'negative_conclusive_grounds';
  if (state.reasonableGrounds) {
    return state.reasonableGrounds.outcome === 'positive' ? 'recovery_period' : 'negative_reasonable_grounds';
  }
  if (state.referredOn) return 'referred';
  if (state.dutyToNotifyOn) return 'duty_to_notify_submitted';
  if (state.consent === 'given' || state.consent === 'not_required') return 'awaiting_referral';
  return 'identified';
}
