import type { LocalDate } from '../shared/local-date';
import type {
  ClosureReason,
  CompetentAuthority,
  DecisionOutcome,
  EncounterContext,
  ErasureLegalBasis,
  ErasureReason,
  ExitReason,
  ExploitationType,
  FollowUpOutcome,
  FollowUpSituation,
  Indicator,
  LegalHoldLiftReason,
  LegalHoldReason,
  PlacementEndReason,
  PlacementReviewOutcome,
  RiskLevel,
  ShareConsent,
  SharePurpose,
  ShareScope,
  SharingLegalBasis,
} from './typology';

/**
 * Details that identify the person. Kept apart from the facts of the pathway (in `personal`
 * fields), so the pathway can be reported and audited without them, and erased on request.
 */
export interface PersonalDetails {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly dateOfBirth?: LocalDate;
  readonly contact?: string;
}

type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

/**
 * On the events that start a deadline: when the fact was entered (the server's clock as the
 * command was decided, ISO 8601 UTC), beside its business date. Deadlines in hours or seconds
 * count from it, and a reminder already past when its fact was entered (a back-dated entry) is
 * held for the policy's grace period and raised once, late, only if its deadline still stands
 * (`pendingReminders`). In the data, not the metadata, so every fold of the stream gives the same
 * state. Written on every such event; absent only from hand-built test fixtures (then a deadline
 * counts from 00:00 London on its date and is never treated as back-dated).
 */
export interface Entered {
  enteredAt?: string;
}

export type PotentialVictimIdentified = Event<
  'PotentialVictimIdentified',
  {
    caseId: string;
    identifyingAgency: string;
    identifiedOn: LocalDate;
    location: string;
    encounterContext: EncounterContext;
    indicators: readonly Indicator[];
    exploitationTypes: readonly ExploitationType[];
    child: boolean;
    /** The local authority area the case belongs to: how MARACs and the problem profile are split. */
    area?: string;
    nationality?: string;
    /** Set when this person was referred before and this case follows an earlier one. */
    previousCaseId?: string;
    personal: PersonalDetails;
  } & Entered
>;
export type CaseAssigned = Event<'CaseAssigned', { caseworkerId: string; agency: string }>;
export type ConsentGiven = Event<'ConsentGiven', { givenOn: LocalDate; language: string; interpreterUsed: boolean }>;
export type ConsentDeclined = Event<
  'ConsentDeclined',
  { declinedOn: LocalDate; language: string; interpreterUsed: boolean }
>;
export type DutyToNotifySubmitted = Event<
  'DutyToNotifySubmitted',
  { submittedOn: LocalDate; agency: string; reference: string }
>;
export type NrmReferralSubmitted = Event<
  'NrmReferralSubmitted',
  {
    submittedOn: LocalDate;
    firstResponder: string;
    competentAuthority: CompetentAuthority;
    reference: string;
  } & Entered
>;
export type ReasonableGroundsDecisionMade = Event<
  'ReasonableGroundsDecisionMade',
  { outcome: DecisionOutcome; decidedOn: LocalDate } & Entered
>;
export type ConclusiveGroundsDecisionMade = Event<
  'ConclusiveGroundsDecisionMade',
  { outcome: DecisionOutcome; decidedOn: LocalDate } & Entered
>;
export type DecisionKind = 'reasonable_grounds' | 'conclusive_grounds';
export type ReconsiderationRequested = Event<
  'ReconsiderationRequested',
  { decision: DecisionKind; requestedOn: LocalDate }
>;
export type ReconsiderationDecided = Event<
  'ReconsiderationDecided',
  { decision: DecisionKind; outcome: DecisionOutcome; decidedOn: LocalDate } & Entered
>;
export type SafeHousePlacementRequested = Event<
  'SafeHousePlacementRequested',
  { requestedOn: LocalDate; emergencyOutsideNrm: boolean }
>;
export type SafeHousePlacementStarted = Event<
  'SafeHousePlacementStarted',
  {
    placementId: string;
    startedOn: LocalDate;
    provider: string;
    emergencyOutsideNrm: boolean;
    /** Never shown outside the owning agency, never in reports. */
    personal: { address: string };
  } & Entered
>;
export type SafeHousePlacementMoved = Event<
  'SafeHousePlacementMoved',
  { placementId: string; movedOn: LocalDate; provider: string; personal: { address: string } } & Entered
>;
/**
 * The active placement was reviewed on `reviewedOn`: settles the placement review due and starts
 * the next one from that date.
 */
export type PlacementReviewed = Event<
  'PlacementReviewed',
  { placementId: string; reviewedOn: LocalDate; outcome: PlacementReviewOutcome } & Entered
>;
export type SafeHousePlacementEnded = Event<
  'SafeHousePlacementEnded',
  { placementId: string; endedOn: LocalDate; reason: PlacementEndReason }
>;
export type OutreachSupportStarted = Event<'OutreachSupportStarted', { startedOn: LocalDate; provider: string }>;
export type MoveOnSupportStarted = Event<'MoveOnSupportStarted', { startedOn: LocalDate; provider: string }>;
export type ExitedNrm = Event<'ExitedNrm', { exitedOn: LocalDate; reason: ExitReason } & Entered>;
/** `situation`: the person's situation found at the follow-up; absent from follow-ups recorded before it was asked. */
export type FollowUpCompleted = Event<
  'FollowUpCompleted',
  { followUp: number; completedOn: LocalDate; outcome: FollowUpOutcome; situation?: FollowUpSituation }
>;
export type ReportedMissing = Event<'ReportedMissing', { reportedOn: LocalDate } & Entered>;
export type ReportedFound = Event<'ReportedFound', { foundOn: LocalDate }>;
export type RiskAssessed = Event<'RiskAssessed', { level: RiskLevel; assessedOn: LocalDate; rationale: string }>;
export type ReferredToMarac = Event<'ReferredToMarac', { referredOn: LocalDate; reason: string }>;
/** The text is restricted: shown only to those who may read the case's personal details. */
export type NoteAdded = Event<'NoteAdded', { noteId: string; personal: { text: string } }>;
export type CaseClosed = Event<'CaseClosed', { closedOn: LocalDate; reason: ClosureReason }>;
export type CaseReopened = Event<'CaseReopened', { reopenedOn: LocalDate; reason: string }>;
/**
 * Appended by the reminder processor when one of a deadline's reminders fires and the deadline
 * still stands: which deadline (`key`, unique within the case), its kind and due time, which of
 * its reminders (`reminderAt`, `label`: before due, due, overdue, repeat). Raised at most once per
 * `key` and `reminderAt` (`reminderId`).
 */
export type ReminderRaised = Event<
  'ReminderRaised',
  {
    key: string;
    kind: string;
    label: string;
    dueAt: string;
    reminderAt: string;
    /**
     * Set when the reminder was already past as its deadline's facts were entered (back-dated):
     * raised after the grace period, once, for the latest such reminder of the deadline.
     */
    late?: boolean;
  }
>;
/**
 * The person's data key was destroyed: every personal field sealed under it is unreadable for good.
 * Holds no personal data: whose key (`subject`, `keyId`), when, why and on what legal basis, and
 * how many sealed values became unreadable with a digest over them (`erasureDigest`), so anyone
 * holding the log can check exactly which ciphertexts the erasure covered. Who: the metadata.
 */
export type PersonalDataErased = Event<
  'PersonalDataErased',
  {
    subject: string;
    keyId: string;
    erasedOn: LocalDate;
    reason: ErasureReason;
    legalBasis: ErasureLegalBasis;
    sealedFields: number;
    digest: string;
  }
>;
/** The case is kept out of erasure and the retention review until the hold is lifted. */
export type LegalHoldSet = Event<'LegalHoldSet', { setOn: LocalDate; reason: LegalHoldReason }>;
export type LegalHoldLifted = Event<'LegalHoldLifted', { liftedOn: LocalDate; reason: LegalHoldLiftReason }>;

/**
 * The owning agency (`fromAgency`) offered the case to `withAgency`. Holds no personal data: the
 * terms of the share only. `expiresOn` is the last day it gives access (Europe/London).
 */
export type CaseShared = Event<
  'CaseShared',
  {
    shareId: string;
    fromAgency: string;
    withAgency: string;
    purpose: SharePurpose;
    legalBasis: SharingLegalBasis;
    scope: ShareScope;
    sharedOn: LocalDate;
    expiresOn?: LocalDate;
    consent?: ShareConsent;
  }
>;
export type CaseShareAccepted = Event<'CaseShareAccepted', { shareId: string; acceptedOn: LocalDate }>;
export type CaseShareDeclined = Event<'CaseShareDeclined', { shareId: string; declinedOn: LocalDate; reason: string }>;
export type CaseShareRevoked = Event<'CaseShareRevoked', { shareId: string; revokedOn: LocalDate; reason?: string }>;
/** Written by the reminder processor when a share's last day has passed: exactly once per share. */
export type CaseShareExpired = Event<'CaseShareExpired', { shareId: string; expiredAt: string }>;
export type CaseTransferRequested = Event<
  'CaseTransferRequested',
  { transferId: string; fromAgency: string; toAgency: string; requestedOn: LocalDate; reason: string }
>;
/** `toAgency` owns the case from now; `fromAgency` keeps only what a share gives it. */
export type CaseTransferAccepted = Event<
  'CaseTransferAccepted',
  { transferId: string; fromAgency: string; toAgency: string; acceptedOn: LocalDate }
>;
export type CaseTransferDeclined = Event<
  'CaseTransferDeclined',
  { transferId: string; declinedOn: LocalDate; reason: string }
>;

export type CaseEvent =
  | PotentialVictimIdentified
  | CaseAssigned
  | ConsentGiven
  | ConsentDeclined
  | DutyToNotifySubmitted
  | NrmReferralSubmitted
  | ReasonableGroundsDecisionMade
  | ConclusiveGroundsDecisionMade
  | ReconsiderationRequested
  | ReconsiderationDecided
  | SafeHousePlacementRequested
  | SafeHousePlacementStarted
  | SafeHousePlacementMoved
  | PlacementReviewed
  | SafeHousePlacementEnded
  | OutreachSupportStarted
  | MoveOnSupportStarted
  | ExitedNrm
  | FollowUpCompleted
  | ReportedMissing
  | ReportedFound
  | RiskAssessed
  | ReferredToMarac
  | NoteAdded
  | CaseClosed
  | CaseReopened
  | ReminderRaised
  | PersonalDataErased
  | LegalHoldSet
  | LegalHoldLifted
  | CaseShared
  | CaseShareAccepted
  | CaseShareDeclined
  | CaseShareRevoked
  | CaseShareExpired
  | CaseTransferRequested
  | CaseTransferAccepted
  | CaseTransferDeclined;

export type CaseEventType = CaseEvent['type'];
