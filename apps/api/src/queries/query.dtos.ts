import { JSONSchema } from 'class-validator-jsonschema';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateBy,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { RISK_LEVELS } from '@app/case-domain';
import { QUEUES } from '@app/read-models';
import { IsCode, IsFreeText } from '../http/text-fields';

const POSITION = /^\d{1,20}\/\d{1,20}$/;
/** The stages a case can be at once identified: what `?stage=` filters by and a case view shows. */
export const STAGES = [
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
  @JSONSchema({
    description:
      'Read your own write: wait (up to READ_WAIT_MS) until the read models reach this position, which a command answered; 503 if they do not.',
  })
  @IsOptional()
  @Matches(POSITION, { message: 'minPosition must be a position a command response gave, like "42/42"' })
  minPosition?: string;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 instant with its offset (`2026-03-02T09:30:00Z`, `...+01:00`; fractions of a second
 * allowed), whose date and time exist: milliseconds since the epoch, or undefined. Stricter than
 * `Date.parse`, which takes 30 February and 24:00.
 */
export function parseInstant(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = INSTANT.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  const daysInMonth = new Date(Date.UTC(year!, month, 0)).getUTCDate();
  const valid =
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offsetHours! <= 23 &&
    offsetMinutes! <= 59;
  const ms = Date.parse(text);
  return valid && Number.isFinite(ms) ? ms : undefined;
}

/** An ISO 8601 instant with its offset (`parseInstant`). */
export const IsInstant = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => parseInstant(value) !== undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be an ISO 8601 instant with its offset, like 2026-03-02T09:30:00Z`,
      },
    },
    options,
  );

/** This field may not be given together with `other`. */
export const NotWith = (other: string, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'notWith',
      constraints: [other],
      validator: {
        validate: (_value: unknown, args?: ValidationArguments) =>
          (args?.object as Record<string, unknown> | undefined)?.[other] === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} and ${other} cannot both be given: ask for one point in the past`,
      },
    },
    options,
  );

/** A revision of a stream: a whole number from 0, written plainly (no sign, exponent or leading zero). */
const REVISION = /^(?:0|[1-9]\d{0,15})$/;

export class CaseViewQueryDto extends ReadQueryDto {
  /** `personal` to include the person's details (recorded as a personal-data read). */
  @JSONSchema({ description: 'personal: include the person’s details (recorded as a personal-data read).' })
  @IsOptional()
  @IsIn(['personal'])
  include?: 'personal';

  /** Why personal details are read: required of auditors (at least 10 characters). */
  @JSONSchema({
    description: 'Why personal details are read: required of auditors (at least 10 characters); recorded.',
  })
  @IsOptional()
  @IsFreeText(10, 500)
  reason?: string;

  /**
   * The case as it stood at this instant (ISO 8601 with offset): folded from the event store over
   * the events the store had recorded by then, compared with each event's `recordedAt` (the
   * store's own time, as the history shows it), not with business dates. 404 before the case
   * existed. Not with `revision`.
   */
  @JSONSchema({
    description:
      'The case as it stood at this instant (ISO 8601 with offset), folded from the event store (not the read models) over the events whose recordedAt (the store’s own time, as the history shows it) is at or before it; business dates play no part. 404 before the case existed. Not with revision (400).',
  })
  @IsOptional()
  @IsInstant()
  asOf?: string;

  /**
   * The case as it stood just after this revision of its stream was written (the history's
   * `revision`, from 0): folded from the event store. 404 past the case's last revision. Not with `asOf`.
   */
  @JSONSchema({
    description:
      'The case as it stood just after this revision of its stream (from 0, as the history numbers them) was written, folded from the event store; MARAC meetings as they stood then. 404 past the last revision. Not with asOf (400).',
  })
  @IsOptional()
  @Matches(REVISION, { message: 'revision must be a revision of the case, a whole number from 0' })
  @NotWith('asOf')
  revision?: string;
}

/** `GET /marac/meetings/:id/agenda`, now or `?asOf=`. */
export class AgendaQueryDto extends ReadQueryDto {
  /**
   * The agenda as it stood at this instant (ISO 8601 with offset; for the meeting as it was held,
   * an instant on its day): folded from the event store over the events recorded by then (each
   * event's `recordedAt`, the store's time). 404 before the meeting was scheduled.
   */
  @JSONSchema({
    description:
      'The agenda as it stood at this instant (ISO 8601 with offset; for the meeting as held, an instant on its day), folded from the event store over the events whose recordedAt (the store’s time) is at or before it. 404 before the meeting was scheduled.',
  })
  @IsOptional()
  @IsInstant()
  asOf?: string;
}

export class CaseListQueryDto extends ReadQueryDto {
  @JSONSchema({ description: 'Only cases at this stage of the NRM pathway.' })
  @IsOptional()
  @IsIn(STAGES)
  stage?: string;

  @JSONSchema({ description: 'Only cases owned by this agency (id).' })
  @IsOptional()
  @IsCode(1, 100)
  agency?: string;

  @JSONSchema({ description: 'Only cases assigned to this caseworker (user id).' })
  @IsOptional()
  @IsCode(1, 200)
  assignee?: string;

  @JSONSchema({ description: 'Only cases at this risk level.' })
  @IsOptional()
  @IsIn(RISK_LEVELS)
  risk?: string;

  @JSONSchema({ description: 'Only children’s (true) or adults’ (false) cases.' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'child must be true or false' })
  child?: boolean;

  @JSONSchema({ description: 'Page size (default 50).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  /** The `next` cursor of the previous page. */
  @JSONSchema({ description: 'The next cursor of the previous page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'after must be the next cursor of a previous page' })
  @Min(0)
  after?: number;
}

export class QueueQueryDto extends ReadQueryDto {
  @JSONSchema({ description: 'agency (default): the caller’s agency’s cases; mine: the cases assigned to the caller.' })
  @IsOptional()
  @IsIn(['agency', 'mine'])
  scope?: 'agency' | 'mine';

  @JSONSchema({ description: 'Another agency’s queues: for the coordinator and auditors (403 for others).' })
  @IsOptional()
  @IsCode(1, 100)
  agency?: string;
}

export class QueueItemsQueryDto extends QueueQueryDto {
  @JSONSchema({ description: 'How many items (default 100).' })
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
  @JSONSchema({ description: 'The first month, YYYY-MM.' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'from must be a month, YYYY-MM' })
  from!: string;

  @JSONSchema({ description: 'The last month, YYYY-MM (from and to span at most 60 months).' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'to must be a month, YYYY-MM' })
  to!: string;

  @JSONSchema({ description: 'Only this local authority area.' })
  @IsOptional()
  @IsCode(1, 100)
  area?: string;
}

export class ChildrenRegisterQueryDto extends ReadQueryDto {
  @JSONSchema({ description: 'The local authority area.' })
  @IsCode(1, 100)
  area!: string;
}

/** The default and largest page of `GET /cases/:id/history`: a case with 20,000 notes is not one answer. */
export const HISTORY_PAGE = { default: 100, max: 1_000 } as const;

/** A page of a stream (`?limit=&after=`): `after` is the revision the previous page's `next` gave. */
export class StreamPageQueryDto {
  @JSONSchema({ description: 'Page size (default 100, at most 1000).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(HISTORY_PAGE.max)
  limit?: number;

  @JSONSchema({ description: 'The `next` value of the previous page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}
