import type { LocalDate } from '../shared/local-date';
import type { DecisionKind, PersonalDetails } from './case-events';
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

type Command<Type extends string, Fields> = { readonly type: Type } & Readonly<Fields>;

export type IdentifyPotentialVictim = Command<
  'IdentifyPotentialVictim',
  {
    caseId: string;
    identifiedOn: LocalDate;
    location: string;
    encounterContext: EncounterContext;
    indicators: readonly Indicator[];
    exploitationTypes: readonly ExploitationType[];
    child: boolean;
    /** The local authority area the case belongs to: how MARACs and the problem profile are split. */
    area?: string;
    nationality?: string;
    previousCaseId?: string;
    personal: PersonalDetails;
  }
>;
export type AssignCase = Command<'AssignCase', { caseworkerId: string; agency: string }>;
export type RecordConsentGiven = Command<
  'RecordConsentGiven',
  { givenOn: LocalDate; language: string; interpreterUsed: boolean }
>;
export type RecordConsentDeclined = Command<
  'RecordConsentDeclined',
  { declinedOn: LocalDate; language: string; interpreterUsed: boolean }
>;
export type SubmitDutyToNotify = Command<'SubmitDutyToNotify', { submittedOn: LocalDate; reference: string }>;
export type SubmitNrmReferral = Command<
  'SubmitNrmReferral',
  { submittedOn: LocalDate; competentAuthority: CompetentAuthority; reference: string }
>;
export type RecordReasonableGroundsDecision = Command<
  'RecordReasonableGroundsDecision',
  { outcome: DecisionOutcome; decidedOn: LocalDate }
>;
export type RecordConclusiveGroundsDecision = Command<
  'RecordConclusiveGroundsDecision',
  { outcome: DecisionOutcome; decidedOn: LocalDate }
>;
export type RequestReconsideration = Command<
  'RequestReconsideration',
  { decision: DecisionKind; requestedOn: LocalDate }
>;
export type RecordReconsiderationDecision = Command<
  'RecordReconsiderationDecision',
  { decision: DecisionKind; outcome: DecisionOutcome; decidedOn: LocalDate }
>;
export type RequestSafeHousePlacement = Command<
  'RequestSafeHousePlacement',
  { requestedOn: LocalDate; emergencyOutsideNrm: boolean }
>;
export type StartSafeHousePlacement = Command<
  'StartSafeHousePlacement',
  { placementId: string; startedOn: LocalDate; provider: string; address: string; emergencyOutsideNrm: boolean }
>;
export type MoveSafeHousePlacement = Command<
  'MoveSafeHousePlacement',
  { movedOn: LocalDate; provider: string; address: string }
>;
export type RecordPlacementReview = Command<
  'RecordPlacementReview',
  { reviewedOn: LocalDate; outcome: PlacementReviewOutcome }
>;
export type EndSafeHousePlacement = Command<
  'EndSafeHousePlacement',
  { endedOn: LocalDate; reason: PlacementEndReason }
>;
export type StartOutreachSupport = Command<'StartOutreachSupport', { startedOn: LocalDate; provider: string }>;
export type StartMoveOnSupport = Command<'StartMoveOnSupport', { startedOn: LocalDate; provider: string }>;
export type RecordExit = Command<'RecordExit', { exitedOn: LocalDate; reason: ExitReason }>;
export type CompleteFollowUp = Command<
  'CompleteFollowUp',
  { completedOn: LocalDate; outcome: FollowUpOutcome; situation: FollowUpSituation }
>;
export type ReportMissing = Command<'ReportMissing', { reportedOn: LocalDate }>;
export type ReportFound = Command<'ReportFound', { foundOn: LocalDate }>;
export type AssessRisk = Command<'AssessRisk', { level: RiskLevel; assessedOn: LocalDate; rationale: string }>;
export type ReferToMarac = Command<'ReferToMarac', { referredOn: LocalDate; reason: string }>;
export type AddNote = Command<'AddNote', { noteId: string; text: string }>;
export type CloseCase = Command<'CloseCase', { closedOn: LocalDate; reason: ClosureReason }>;
export type ReopenCase = Command<'ReopenCase', { reopenedOn: LocalDate; reason: string }>;

/**
 * Erase the person's personal data: the data-protection role's decision. The handler destroys the
 * subject's key and states here which key it was, how many sealed values it covered and their
 * digest (`key`), so the event says exactly what became unreadable.
 */
export type ErasePersonalData = Command<
  'ErasePersonalData',
  {
    reason: ErasureReason;
    legalBasis: ErasureLegalBasis;
    key: { subject: string; keyId: string; sealedFields: number; digest: string };
  }
>;
/** Erasure, hold and lift are dated by the server's clock: they take effect when they are recorded. */
export type SetLegalHold = Command<'SetLegalHold', { reason: LegalHoldReason }>;
export type LiftLegalHold = Command<'LiftLegalHold', { reason: LegalHoldLiftReason }>;

/**
 * The owning agency shares the case with another configured agency (`withAgency`): why, on what
 * lawful basis, how much, until when (`expiresOn`, the last day it gives access), and the adult's
 * consent as recorded. Dated by the server's clock, like every step of a share.
 */
export type ShareCase = Command<
  'ShareCase',
  {
    shareId: string;
    withAgency: string;
    purpose: SharePurpose;
    legalBasis: SharingLegalBasis;
    scope: ShareScope;
    expiresOn?: LocalDate;
    consent?: ShareConsent;
  }
>;
/** The receiving agency accepts a share offered to it: from now it gives read access within its scope. */
export type AcceptShare = Command<'AcceptShare', { shareId: string }>;
export type DeclineShare = Command<'DeclineShare', { shareId: string; reason: string }>;
/**
 * The owning agency ends a share (offered or accepted) at once. The reason is free text (personal,
 * like every free text): optional, so a share can still be ended once the person's data is erased.
 */
export type RevokeShare = Command<'RevokeShare', { shareId: string; reason?: string }>;
/** The owning agency asks another agency to take the case over; nothing changes until it accepts. */
export type RequestTransfer = Command<'RequestTransfer', { transferId: string; toAgency: string; reason: string }>;
export type AcceptTransfer = Command<'AcceptTransfer', { transferId: string }>;
export type DeclineTransfer = Command<'DeclineTransfer', { transferId: string; reason: string }>;

export type CaseCommand =
  | IdentifyPotentialVictim
  | AssignCase
  | RecordConsentGiven
  | RecordConsentDeclined
  | SubmitDutyToNotify
  | SubmitNrmReferral
  | RecordReasonableGroundsDecision
  | RecordConclusiveGroundsDecision
  | RequestReconsideration
  | RecordReconsiderationDecision
  | RequestSafeHousePlacement
  | StartSafeHousePlacement
  | MoveSafeHousePlacement
  | RecordPlacementReview
  | EndSafeHousePlacement
  | StartOutreachSupport
  | StartMoveOnSupport
  | RecordExit
  | CompleteFollowUp
  | ReportMissing
  | ReportFound
  | AssessRisk
  | ReferToMarac
  | AddNote
  | CloseCase
  | ReopenCase
  | ErasePersonalData
  | SetLegalHold
  | LiftLegalHold
  | ShareCase
  | AcceptShare
  | DeclineShare
  | RevokeShare
  | RequestTransfer
  | AcceptTransfer
  | DeclineTransfer;

export type CaseCommandType = CaseCommand['type'];
