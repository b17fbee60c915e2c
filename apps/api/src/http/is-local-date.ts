import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { isBefore, isLocalDate, NRM_BEGAN_ON, type LocalDate } from '@app/case-domain';

/**
 * An ISO 8601 calendar date, `YYYY-MM-DD`, that exists (2026-02-30 does not) and is not before
 * `notBefore`: by default the day the NRM began, since no event of a case or a MARAC can be
 * older. Upper bounds depend on the clock and are the domain's (422), e.g. `date-in-future`.
 */
export function IsLocalDate(notBefore: LocalDate = NRM_BEGAN_ON, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLocalDate',
      constraints: [notBefore],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isLocalDate(value) && !isBefore(value, notBefore),
        defaultMessage: (args?: ValidationArguments) => {
          const property = args?.property ?? 'value';
          return typeof args?.value === 'string' && isLocalDate(args.value)
            ? `${property} must be on or after ${notBefore}`
            : `${property} must be a calendar date written YYYY-MM-DD`;
        },
      },
    },
    options,
  );
}
