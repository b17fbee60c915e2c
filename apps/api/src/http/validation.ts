import { ValidationPipe, type ValidationError } from '@nestjs/common';

export interface FieldError {
  /** The path of the failing field, e.g. `personal.dateOfBirth`. */
  readonly field: string;
  readonly problems: readonly string[];
}

/** A body or query that failed validation; the filter turns it into a 400 listing every field. */
export class FieldValidationFailed extends Error {
  override readonly name = 'FieldValidationFailed';
  constructor(readonly errors: readonly FieldError[]) {
    super(`Invalid fields: ${errors.map((error) => error.field).join(', ')}`);
  }
}

function flatten(errors: readonly ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Strict DTO validation: unknown fields are refused (not silently dropped), types are converted
 * only as the DTO declares, and every failing field is reported.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) => new FieldValidationFailed(flatten(errors)),
  });
}
