import { ArrayMaxSize, IsArray, IsIn, IsUUID } from 'class-validator';
import { RISK_LEVELS, type RiskLevel } from '@app/case-domain';
import { IsLocalDate } from '../http/is-local-date';
import { IsCode, IsFreeText } from '../http/text-fields';
import { OptionalField } from '../http/validation';

export class ScheduleMeetingDto {
  @OptionalField() @IsUUID() meetingId?: string;
  @IsCode(1, 100) area!: string;
  /** Within a year either side of today: the domain's `meeting-date-outside-window` (422). */
  @IsLocalDate() meetsOn!: string;
  @IsArray() @ArrayMaxSize(50) @IsCode(1, 100, { each: true }) attendingAgencies!: string[];
}

export class ListCaseDto {
  @IsUUID() caseId!: string;
}

export class DiscussionDto {
  @IsUUID() caseId!: string;
  @IsIn(RISK_LEVELS) riskLevel!: RiskLevel;
  @IsArray() @ArrayMaxSize(50) @IsFreeText(1, 2000, { each: true }) decisions!: string[];
}

export class AgreeActionDto {
  @IsUUID() actionId!: string;
  @IsUUID() caseId!: string;
  @IsFreeText(1, 2000) description!: string;
  @IsCode(1, 100) ownerAgency!: string;
  @IsLocalDate() dueOn!: string;
}

export class CompleteActionDto {
  @IsLocalDate() completedOn!: string;
}

export class CloseMeetingDto {
  @IsLocalDate() closedOn!: string;
}
