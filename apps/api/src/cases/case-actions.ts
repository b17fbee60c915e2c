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
  /** The body, validated by its class-validator decorators, then spread into the command unchanged. */
  readonly dto: new () => CommandFields<T>;
  /** Who may call it, when not caseworkers only; the domain's access rules then judge the case. */
  readonly roles?: readonly Role[];
}

/**
 * Every command on an existing case, one row each. Each route answers 200 with the new revision
 * (also as ETag) and the global position written; `If-Match` makes it conditional,
 * `Idempotency-Key` makes a retry safe. A command added to the domain fails to compile here
 * until it has a row (or is routed elsewhere).
 */
export const CASE_ACTIONS = {
  AssignCase: { path: 'assignment', dto: AssignCaseDto },
  RecordConsentGiven: { path: 'consent', dto: ConsentGivenDto },
  RecordConsentDeclined: { path: 'consent-declined', dto: ConsentDeclinedDto },
  SubmitDutyToNotify: { path: 'duty-to-notify', dto: DutyToNotifyDto },
  SubmitNrmReferral: { path: 'nrm-referral', dto: NrmReferralDto },
  RecordReasonableGroundsDecision: { path: 'reasonable-grounds-decision', dto: DecisionDto },
  RecordConclusiveGroundsDecision: { path: 'conclusive-grounds-decision', dto: DecisionDto },
  RequestReconsideration: { path: 'reconsideration-request', dto: ReconsiderationRequestDto },
  RecordReconsiderationDecision: { path: 'reconsideration-decision', dto: ReconsiderationDecisionDto },
  RequestSafeHousePlacement: { path: 'placement-request', dto: PlacementRequestDto },
  StartSafeHousePlacement: { path: 'placement', dto: PlacementStartDto },
  MoveSafeHousePlacement: { path: 'placement/move', dto: PlacementMoveDto },
  RecordPlacementReview: { path: 'placement/review', dto: PlacementReviewDto },
  EndSafeHousePlacement: { path: 'placement/end', dto: PlacementEndDto },
  StartOutreachSupport: { path: 'outreach-support', dto: SupportStartDto },
  StartMoveOnSupport: { path: 'move-on-support', dto: SupportStartDto },
  RecordExit: { path: 'exit', dto: ExitDto },
  CompleteFollowUp: { path: 'follow-ups', dto: FollowUpDto },
  ReportMissing: { path: 'missing', dto: MissingDto },
  ReportFound: { path: 'found', dto: FoundDto },
  AssessRisk: { path: 'risk-assessments', dto: RiskAssessmentDto },
  ReferToMarac: { path: 'marac-referrals', dto: MaracReferralDto },
  // Panel members too: on cases listed at a MARAC meeting their agency attends.
  AddNote: { path: 'notes', dto: NoteDto, roles: ['caseworker', 'panel_member'] },
  CloseCase: { path: 'closure', dto: ClosureDto },
  ReopenCase: { path: 'reopening', dto: ReopeningDto },
  // Sharing with another agency: the owner offers and revokes; the receiving agency answers.
  ShareCase: { path: 'shares', dto: ShareDto },
  AcceptShare: { path: 'shares/acceptance', dto: ShareAnswerDto },
  DeclineShare: { path: 'shares/decline', dto: ShareDeclineDto },
  RevokeShare: { path: 'shares/revocation', dto: ShareRevocationDto },
  RequestTransfer: { path: 'transfer', dto: TransferRequestDto },
  AcceptTransfer: { path: 'transfer/acceptance', dto: TransferAnswerDto },
  DeclineTransfer: { path: 'transfer/decline', dto: TransferDeclineDto },
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
