import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsUUID, ValidateNested } from 'class-validator';
import {
  CLOSURE_REASONS,
  COMPETENT_AUTHORITIES,
  DECISION_OUTCOMES,
  EXIT_REASONS,
  FOLLOW_UP_OUTCOMES,
  FOLLOW_UP_SITUATION_FIELDS,
  PLACEMENT_END_REASONS,
  PLACEMENT_REVIEW_OUTCOMES,
  RISK_LEVELS,
  SHARE_CONSENTS,
  SHARE_PURPOSES,
  SHARE_SCOPES,
  SHARING_LEGAL_BASES,
  type ClosureReason,
  type CompetentAuthority,
  type DecisionKind,
  type DecisionOutcome,
  type ExitReason,
  type FollowUpAccommodation,
  type FollowUpContact,
  type FollowUpExploitation,
  type FollowUpHealthSupport,
  type FollowUpImmigrationStatus,
  type FollowUpOutcome,
  type FollowUpSituation,
  type FollowUpWorkOrEducation,
  type PlacementEndReason,
  type PlacementReviewOutcome,
  type RiskLevel,
  type ShareConsent,
  type SharePurpose,
  type ShareScope,
  type SharingLegalBasis,
} from '@app/case-domain';
import { IsLocalDate } from '../http/is-local-date';
import { IsCode, IsFreeText, IsSingleLine } from '../http/text-fields';
import { OptionalField } from '../http/validation';

// One DTO per command body, its fields named as the command's (the body is spread into it): every
// field required unless marked, enums closed, dates YYYY-MM-DD and not before the NRM began, ids
// and codes without controls, text with something visible.

export class AssignCaseDto {
  @IsCode(1, 100) caseworkerId!: string;
  @IsCode(1, 100) agency!: string;
}

/** How consent was asked, whichever the answer. */
class ConsentConversationDto {
  @IsSingleLine(2, 35) language!: string;
  @IsBoolean() interpreterUsed!: boolean;
}

export class ConsentGivenDto extends ConsentConversationDto {
  @IsLocalDate() givenOn!: string;
}

export class ConsentDeclinedDto extends ConsentConversationDto {
  @IsLocalDate() declinedOn!: string;
}

export class DutyToNotifyDto {
  @IsLocalDate() submittedOn!: string;
  @IsCode(1, 100) reference!: string;
}

export class NrmReferralDto {
  @IsLocalDate() submittedOn!: string;
  @IsIn(COMPETENT_AUTHORITIES) competentAuthority!: CompetentAuthority;
  @IsCode(1, 100) reference!: string;
}

export class DecisionDto {
  @IsIn(DECISION_OUTCOMES) outcome!: DecisionOutcome;
  @IsLocalDate() decidedOn!: string;
}

const DECISION_KINDS: DecisionKind[] = ['reasonable_grounds', 'conclusive_grounds'];

export class ReconsiderationRequestDto {
  @IsIn(DECISION_KINDS) decision!: DecisionKind;
  @IsLocalDate() requestedOn!: string;
}

export class ReconsiderationDecisionDto extends DecisionDto {
  @IsIn(DECISION_KINDS) decision!: DecisionKind;
}

export class PlacementRequestDto {
  @IsLocalDate() requestedOn!: string;
  @IsBoolean() emergencyOutsideNrm!: boolean;
}

export class PlacementStartDto {
  @IsUUID() placementId!: string;
  @IsLocalDate() startedOn!: string;
  @IsSingleLine(1, 200) provider!: string;
  @IsFreeText(1, 500) address!: string;
  @IsBoolean() emergencyOutsideNrm!: boolean;
}

export class PlacementMoveDto {
  @IsLocalDate() movedOn!: string;
  @IsSingleLine(1, 200) provider!: string;
  @IsFreeText(1, 500) address!: string;
}

export class PlacementReviewDto {
  @IsLocalDate() reviewedOn!: string;
  @IsIn(PLACEMENT_REVIEW_OUTCOMES) outcome!: PlacementReviewOutcome;
}

export class PlacementEndDto {
  @IsLocalDate() endedOn!: string;
  @IsIn(PLACEMENT_END_REASONS) reason!: PlacementEndReason;
}

export class SupportStartDto {
  @IsLocalDate() startedOn!: string;
  @IsSingleLine(1, 200) provider!: string;
}

export class ExitDto {
  @IsLocalDate() exitedOn!: string;
  @IsIn(EXIT_REASONS) reason!: ExitReason;
}

/** The person's situation at a follow-up: closed lists only, no free text. */
export class FollowUpSituationDto implements FollowUpSituation {
  @IsIn(FOLLOW_UP_SITUATION_FIELDS.contact) contact!: FollowUpContact;
  @IsIn(FOLLOW_UP_SITUATION_FIELDS.accommodation) accommodation!: FollowUpAccommodation;
  @IsIn(FOLLOW_UP_SITUATION_FIELDS.workOrEducation) workOrEducation!: FollowUpWorkOrEducation;
  @IsIn(FOLLOW_UP_SITUATION_FIELDS.healthSupport) healthSupport!: FollowUpHealthSupport;
  @IsIn(FOLLOW_UP_SITUATION_FIELDS.exploitation) exploitation!: FollowUpExploitation;
  @IsIn(FOLLOW_UP_SITUATION_FIELDS.immigrationStatus) immigrationStatus!: FollowUpImmigrationStatus;
}

export class FollowUpDto {
  @IsLocalDate() completedOn!: string;
  @IsIn(FOLLOW_UP_OUTCOMES) outcome!: FollowUpOutcome;
  // @ValidateNested alone lets a missing `situation` through; every new follow-up records one.
  @IsObject()
  @ValidateNested()
  @Type(() => FollowUpSituationDto)
  situation!: FollowUpSituationDto;
}

export class MissingDto {
  @IsLocalDate() reportedOn!: string;
}

export class FoundDto {
  @IsLocalDate() foundOn!: string;
}

export class RiskAssessmentDto {
  @IsIn(RISK_LEVELS) level!: RiskLevel;
  @IsLocalDate() assessedOn!: string;
  @IsFreeText(1, 2000) rationale!: string;
}

export class MaracReferralDto {
  @IsLocalDate() referredOn!: string;
  @IsFreeText(1, 2000) reason!: string;
}

export class NoteDto {
  @IsUUID() noteId!: string;
  @IsFreeText(1, 10_000) text!: string;
}

export class ClosureDto {
  @IsLocalDate() closedOn!: string;
  @IsIn(CLOSURE_REASONS) reason!: ClosureReason;
}

export class ReopeningDto {
  @IsLocalDate() reopenedOn!: string;
  @IsFreeText(1, 2000) reason!: string;
}

/** `POST /cases/:caseId/shares`: the client names the share (a UUID), so a retry cannot offer it twice. */
export class ShareDto {
  @IsUUID() shareId!: string;
  @IsCode(1, 100) withAgency!: string;
  @IsIn(SHARE_PURPOSES) purpose!: SharePurpose;
  @IsIn(SHARING_LEGAL_BASES) legalBasis!: SharingLegalBasis;
  @IsIn(SHARE_SCOPES) scope!: ShareScope;
  @OptionalField() @IsLocalDate() expiresOn?: string;
  /** An adult's consent as recorded; left out for a child. */
  @OptionalField() @IsIn(SHARE_CONSENTS) consent?: ShareConsent;
}

export class ShareAnswerDto {
  @IsUUID() shareId!: string;
}

/** Declining a share says why. */
export class ShareDeclineDto extends ShareAnswerDto {
  @IsFreeText(1, 2000) reason!: string;
}

/** Revoking a share may say why (not after the person's data is erased: the reason is personal). */
export class ShareRevocationDto extends ShareAnswerDto {
  @OptionalField() @IsFreeText(1, 2000) reason?: string;
}

export class TransferRequestDto {
  @IsUUID() transferId!: string;
  @IsCode(1, 100) toAgency!: string;
  @IsFreeText(1, 2000) reason!: string;
}

export class TransferAnswerDto {
  @IsUUID() transferId!: string;
}

export class TransferDeclineDto extends TransferAnswerDto {
  @IsFreeText(1, 2000) reason!: string;
}
