import type { CaseCommand, Role } from '@app/case-domain';
import {
  AssignCaseDto,
  ClosureDto,
  ConsentDeclinedDto,
  ConsentGivenDto,
  DecisionDto,
  DutyToNotifyDto,
  ExitDto,
  FollowUpDto,
  FoundDto,
  MaracReferralDto,
  MissingDto,
  NoteDto,
  NrmReferralDto,
  PlacementEndDto,
  PlacementMoveDto,
  PlacementRequestDto,
  PlacementReviewDto,
  PlacementStartDto,
  ReconsiderationDecisionDto,
  ReconsiderationRequestDto,
  ReopeningDto,
  RiskAssessmentDto,
  ShareAnswerDto,
  ShareDto,
  ShareDeclineDto,
  ShareRevocationDto,
  SupportStartDto,
  TransferAnswerDto,
  TransferDeclineDto,
  TransferRequestDto,
} from './case-action.dtos';

/** Case commands with routes of their own: opening a case (cases.controller), the data-protection role's. */
type RoutedElsewhere = 'IdentifyPotentialVictim' | 'ErasePersonalData' | 'SetLegalHold' | 'LiftLegalHold';
export type CaseActionType = Exclude<CaseCommand['type'], RoutedElsewhere>;

/** A command's fields without its type: what the request body of its route holds, named alike. */
export type CommandFields<T extends CaseCommand['type']> = Omit<Extract<CaseCommand, { type: T }>, 'type'>;

export interface CaseAction<T extends CaseActionType> {
  /** The route: `POST /cases/:caseId/<path>`. */
  readonly path: string;
  /** The operation's one-line summary in the OpenAPI document. */
  readonly summary: string;
  /** The body, validated by its class-validator decorators, then spread into the command unchanged. */
  readonly dto: new () => CommandFields<T>;
  /** Who may call it, when not caseworkers only; the domain's access rules then judge the case. */
  readonly roles?: readonly Role[];
  /** Set when the command reads the read models, which may be rebuilding (503): why, for the document. */
  readonly readsReadModels?: string;
}

/**
 * Every command on an existing case, one row each. Each route answers 200 with the new revision
 * (also as ETag) and the global position written; `If-Match` makes it conditional,
 * `Idempotency-Key` makes a retry safe. A command added to the domain fails to compile here
 * until it has a row (or is routed elsewhere).
 */
export const CASE_ACTIONS = {
  AssignCase: { path: 'assignment', summary: 'Assign the case to a caseworker of an agency', dto: AssignCaseDto },
  RecordConsentGiven: {
    path: 'consent',
    summary: "Record the adult's informed consent to an NRM referral",
    dto: ConsentGivenDto,
  },
  RecordConsentDeclined: {
    path: 'consent-declined',
    summary: 'Record that the adult declined an NRM referral',
    dto: ConsentDeclinedDto,
  },
  SubmitDutyToNotify: {
    path: 'duty-to-notify',
    summary: 'Record a Duty to Notify submitted instead of a referral',
    dto: DutyToNotifyDto,
  },
  SubmitNrmReferral: {
    path: 'nrm-referral',
    summary: 'Record the NRM referral submitted to a competent authority',
    dto: NrmReferralDto,
  },
  RecordReasonableGroundsDecision: {
    path: 'reasonable-grounds-decision',
    summary: "Record the competent authority's reasonable grounds decision",
    dto: DecisionDto,
  },
  RecordConclusiveGroundsDecision: {
    path: 'conclusive-grounds-decision',
    summary: "Record the competent authority's conclusive grounds decision",
    dto: DecisionDto,
  },
  RequestReconsideration: {
    path: 'reconsideration-request',
    summary: 'Request reconsideration of a negative decision',
    dto: ReconsiderationRequestDto,
  },
  RecordReconsiderationDecision: {
    path: 'reconsideration-decision',
    summary: 'Record the outcome of a reconsideration',
    dto: ReconsiderationDecisionDto,
  },
  RequestSafeHousePlacement: {
    path: 'placement-request',
    summary: 'Request safe-house accommodation',
    dto: PlacementRequestDto,
  },
  StartSafeHousePlacement: {
    path: 'placement',
    summary: 'Record the start of a safe-house placement',
    dto: PlacementStartDto,
  },
  MoveSafeHousePlacement: {
    path: 'placement/move',
    summary: 'Record a move to another safe house',
    dto: PlacementMoveDto,
  },
  RecordPlacementReview: {
    path: 'placement/review',
    summary: 'Record a review of the current placement',
    dto: PlacementReviewDto,
  },
  EndSafeHousePlacement: {
    path: 'placement/end',
    summary: 'Record the end of the current placement',
    dto: PlacementEndDto,
  },
  StartOutreachSupport: {
    path: 'outreach-support',
    summary: 'Record the start of outreach support',
    dto: SupportStartDto,
  },
  StartMoveOnSupport: { path: 'move-on-support', summary: 'Record the start of move-on support', dto: SupportStartDto },
  RecordExit: { path: 'exit', summary: "Record the person's exit from NRM support", dto: ExitDto },
  CompleteFollowUp: {
    path: 'follow-ups',
    summary: "Record a follow-up after exit, with the person's situation",
    dto: FollowUpDto,
  },
  ReportMissing: { path: 'missing', summary: 'Report the person missing', dto: MissingDto },
  ReportFound: { path: 'found', summary: 'Report the person found after being missing', dto: FoundDto },
  AssessRisk: { path: 'risk-assessments', summary: 'Record a risk assessment', dto: RiskAssessmentDto },
  ReferToMarac: { path: 'marac-referrals', summary: 'Refer the case to the MARAC', dto: MaracReferralDto },
  // Panel members too: on cases listed at a MARAC meeting their agency attends.
  AddNote: {
    path: 'notes',
    summary: 'Add a case note',
    dto: NoteDto,
    roles: ['caseworker', 'panel_member'],
    readsReadModels:
      'read-model-not-built: a panel member’s note needs the MARAC meetings read model (which agencies attend), ' +
      'being rebuilt from the start. Retry-After says when to ask again.',
  },
  CloseCase: { path: 'closure', summary: 'Close the case', dto: ClosureDto },
  ReopenCase: { path: 'reopening', summary: 'Reopen a closed case', dto: ReopeningDto },
  // Sharing with another agency: the owner offers and revokes; the receiving agency answers.
  ShareCase: { path: 'shares', summary: 'Offer to share the case with another agency', dto: ShareDto },
  AcceptShare: { path: 'shares/acceptance', summary: 'Accept a share offered to your agency', dto: ShareAnswerDto },
  DeclineShare: { path: 'shares/decline', summary: 'Decline a share offered to your agency', dto: ShareDeclineDto },
  RevokeShare: { path: 'shares/revocation', summary: 'Revoke a share your agency offered', dto: ShareRevocationDto },
  RequestTransfer: { path: 'transfer', summary: 'Ask another agency to take the case over', dto: TransferRequestDto },
  AcceptTransfer: {
    path: 'transfer/acceptance',
    summary: 'Accept a transfer of the case to your agency',
    dto: TransferAnswerDto,
  },
  DeclineTransfer: {
    path: 'transfer/decline',
    summary: 'Decline a transfer of the case to your agency',
    dto: TransferDeclineDto,
  },
} as const satisfies { readonly [T in CaseActionType]: CaseAction<T> };

/**
 * Fields a DTO has and its command lacks. `satisfies` above checks that each DTO has its
 * command's fields; this checks the other way, so a body can carry nothing the command does not
 * name. A DTO with an extra field fails to compile here, naming the field.
 */
type ExtraFields = {
  [T in CaseActionType]: Exclude<keyof InstanceType<(typeof CASE_ACTIONS)[T]['dto']>, keyof CommandFields<T>>;
}[CaseActionType];
type NoneOf<Fields extends never> = Fields;
export type _DtoFieldsAreCommandFields = NoneOf<ExtraFields>;
