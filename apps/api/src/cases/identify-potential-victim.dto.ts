import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import {
  ENCOUNTER_CONTEXTS,
  EXPLOITATION_TYPES,
  INDICATORS,
  type EncounterContext,
  type ExploitationType,
  type Indicator,
} from '@app/case-domain';
import { IsLocalDate } from '../http/is-local-date';

export class PersonalDetailsDto {
  @IsString()
  @Length(1, 200)
  name!: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  aliases?: string[];

  @IsOptional()
  @IsLocalDate()
  dateOfBirth?: string;

  @IsOptional()
  @IsString()
  @Length(1, 500)
  contact?: string;
}

/** `POST /cases`: a potential victim identified. The client may choose the case id (a UUID). */
export class IdentifyPotentialVictimDto {
  @IsOptional()
  @IsUUID()
  caseId?: string;

  @IsLocalDate()
  identifiedOn!: string;

  @IsString()
  @Length(1, 500)
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

  @IsOptional()
  @IsString()
  @Length(1, 100)
  nationality?: string;

  /** The local authority area (as the partnership names it), for MARACs and the problem profile. */
  @IsOptional()
  @IsString()
  @Length(1, 100)
  area?: string;

  @IsOptional()
  @IsUUID()
  previousCaseId?: string;

  @ValidateNested()
  @Type(() => PersonalDetailsDto)
  personal!: PersonalDetailsDto;
}
