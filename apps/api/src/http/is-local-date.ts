import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isLocalDate } from '@app/case-domain';

/** An ISO 8601 calendar date, `YYYY-MM-DD`, that exists (2026-02-30 does not). */
export function IsLocalDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLocalDate',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isLocalDate(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be a calendar date written YYYY-MM-DD`,
      },
    },
    options,
  );
}
