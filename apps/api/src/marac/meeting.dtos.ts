import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { RISK_LEVELS, type RiskLevel } from '@app/case-domain';
import { IsLocalDate } from '../http/is-local-date';

export class ScheduleMeetingDto {
  @IsOptional() @IsUUID() meetingId?: string;
  @IsString() @Length(1, 100) area!: string;
  @IsLocalDate() meetsOn!: string;
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 100, { each: true }) attendingAgencies!: string[];
}

export class ListCaseDto {
  @IsUUID() caseId!: string;
}

export class DiscussionDto {
  @IsUUID() caseId!: string;
  @IsIn(RISK_LEVELS) riskLevel!: RiskLevel;
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 2000, { each: true }) decisions!: string[];
}

export class AgreeActionDto {
  @IsUUID() actionId!: string;
  @IsUUID() caseId!: string;
  @IsString() @Length(1, 2000) description!: string;
  @IsString() @Length(1, 100) ownerAgency!: string;
  @IsLocalDate() dueOn!: string;
}

export class CompleteActionDto {
  @IsLocalDate() completedOn!: string;
}

export class CloseMeetingDto {
  @IsLocalDate() closedOn!: string;
}
