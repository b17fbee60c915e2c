import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsUUID,
  ValidateBy,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import {
  EARLIEST_DATE_OF_BIRTH,
  ENCOUNTER_CONTEXTS,
  EXPLOITATION_TYPES,
  INDICATORS,
  NRM_BEGAN_ON,
  isAfter,
  isBefore,
  isLocalDate,
  type EncounterContext,
  type ExploitationType,
  type Indicator,
  type LocalDate,
} from '@app/case-domain';
import { IsLocalDate } from '../http/is-local-date';
import { IsCode, IsFreeText, IsSingleLine } from '../http/text-fields';
import { OptionalField } from '../http/validation';

export class PersonalDetailsDto {
  @IsSingleLine(1, 200)
  name!: string;

  @OptionalField()
  @IsArray()
  @ArrayMaxSize(20)
  @IsSingleLine(1, 200, { each: true })
  aliases?: string[];

  /** Not after `identifiedOn` (checked on the identification), which is itself not after today. */
  @OptionalField()
  @IsLocalDate(EARLIEST_DATE_OF_BIRTH)
  dateOfBirth?: string;

  @OptionalField()
  @IsFreeText(1, 500)
  contact?: string;
}

/**
 * A person is not identified before they were born (and identification is not after today: the
 * domain's `date-in-future`). Compared only when both dates pass their own checks, so each date's
 * own problem is reported on its own field. The message names no date: it is personal data.
 */
function BornOnOrBeforeIdentification(): PropertyDecorator {
  return ValidateBy({
    name: 'bornOnOrBeforeIdentification',
    validator: {
      validate: (personal: unknown, { object }: ValidationArguments) => {
        const { identifiedOn } = object as { identifiedOn?: unknown };
        const dateOfBirth = (personal as { dateOfBirth?: unknown } | undefined)?.dateOfBirth;
        const comparable = (date: unknown, notBefore: LocalDate): date is string =>
          typeof date === 'string' && isLocalDate(date) && !isBefore(date, notBefore);
        return (
          !comparable(dateOfBirth, EARLIEST_DATE_OF_BIRTH) ||
          !comparable(identifiedOn, NRM_BEGAN_ON) ||
          !isAfter(dateOfBirth, identifiedOn)
        );
      },
      defaultMessage: () => 'personal.dateOfBirth must not be after identifiedOn',
    },
  });
}

/** `POST /cases`: a potential victim identified. The client may choose the case id (a UUID). */
export class IdentifyPotentialVictimDto {
  @OptionalField()
  @IsUUID()
  caseId?: string;

  @IsLocalDate()
  identifiedOn!: string;

  @IsSingleLine(1, 500)
  location!: string;

  @IsIn(ENCOUNTER_CONTEXTS)
  encounterContext!: EncounterContext;

  @IsArray()
  @ArrayMaxSize(INDICATORS.length)
  @IsIn(INDICATORS, { each: true })
  indicators!: Indicator[];

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EXPLOITATION_TYPES.length)
  @IsIn(EXPLOITATION_TYPES, { each: true })
  exploitationTypes!: ExploitationType[];

  @IsBoolean()
  child!: boolean;

  @OptionalField()
  @IsSingleLine(1, 100)
  nationality?: string;

  /** The local authority area (as the partnership names it), for MARACs and the problem profile. */
  @OptionalField()
  @IsCode(1, 100)
  area?: string;

  /**
   * A re-referral: the person's earlier case (another case, already identified, of any agency). Its
   * view lists this case among its `laterCaseIds`; the problem profile counts it in `re_referrals`.
   */
  @OptionalField()
  @IsUUID()
  previousCaseId?: string;

  // @ValidateNested alone lets a missing `personal` through; the document says it is required.
  @IsObject()
  @ValidateNested()
  @BornOnOrBeforeIdentification()
  @Type(() => PersonalDetailsDto)
  personal!: PersonalDetailsDto;
}
