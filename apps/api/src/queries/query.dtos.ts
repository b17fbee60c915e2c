import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { RISK_LEVELS } from '@app/case-domain';
import { QUEUES } from '@app/read-models';
import { IsCode, IsFreeText } from '../http/text-fields';

const POSITION = /^\d{1,20}\/\d{1,20}$/;
const STAGES = [
  'identified',
  'awaiting_referral',
  'duty_to_notify_submitted',
  'referred',
  'recovery_period',
  'negative_reasonable_grounds',
  'move_on',
  'negative_conclusive_grounds',
  'exited',
  'closed',
] as const;

/** `?minPosition=`: wait for the read models to reach a position a command response gave. */
export class ReadQueryDto {
  @IsOptional()
  @Matches(POSITION, { message: 'minPosition must be a position a command response gave, like "42/42"' })
  minPosition?: string;
}

export class CaseViewQueryDto extends ReadQueryDto {
  /** `personal` to include the person's details (recorded as a personal-data read). */
  @IsOptional()
  @IsIn(['personal'])
  include?: 'personal';

  /** Why personal details are read: required of auditors (at least 10 characters). */
  @IsOptional()
  @IsFreeText(10, 500)
  reason?: string;
}

export class CaseListQueryDto extends ReadQueryDto {
  @IsOptional()
  @IsIn(STAGES)
  stage?: string;

  @IsOptional()
  @IsCode(1, 100)
  agency?: string;

  @IsOptional()
  @IsCode(1, 200)
  assignee?: string;

  @IsOptional()
  @IsIn(RISK_LEVELS)
  risk?: string;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'child must be true or false' })
  child?: boolean;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  /** The `next` cursor of the previous page. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'after must be the next cursor of a previous page' })
  @Min(0)
  after?: number;
}

export class QueueQueryDto extends ReadQueryDto {
  @IsOptional()
  @IsIn(['agency', 'mine'])
  scope?: 'agency' | 'mine';

  @IsOptional()
  @IsCode(1, 100)
  agency?: string;
}

export class QueueItemsQueryDto extends QueueQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export const QUEUE_NAMES = Object.keys(QUEUES);

export class QueueNameParams {
  @IsIn(QUEUE_NAMES, { message: `name must be one of ${QUEUE_NAMES.join(', ')}` })
  name!: string;
}

export class MeetingParams {
  @IsUUID()
  meetingId!: string;
}

export class ProblemProfileQueryDto extends ReadQueryDto {
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'from must be a month, YYYY-MM' })
  from!: string;

  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'to must be a month, YYYY-MM' })
  to!: string;

  @IsOptional()
  @IsCode(1, 100)
  area?: string;
}
