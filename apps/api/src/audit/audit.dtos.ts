import { JSONSchema } from 'class-validator-jsonschema';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

/** `?from=&to=`: the sizes of two signed tree heads, 1 <= from <= to. */
export class ConsistencyQueryDto {
  @JSONSchema({ description: 'The size of the earlier signed tree head.' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  from!: number;

  @JSONSchema({ description: 'The size of the later signed tree head.' })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  to!: number;
}

/** `?treeSize=`: the size of a signed tree head to prove against (default the latest). */
export class CaseProofQueryDto {
  @JSONSchema({ description: 'The size of a signed tree head to prove against (default: the latest).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  treeSize?: number;
}

/** `?reason=`: why the case is exported (an auditor must give one of at least 10 characters). */
export class CaseExportQueryDto {
  @JSONSchema({ description: 'Why the case is exported: required of auditors (at least 10 characters); recorded.' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}
