import { IsString, Length, Matches, type ValidationOptions } from 'class-validator';

// What a person can see: not whitespace, not a control, format (zero-width, bidi), surrogate or
// private-use character. Unassigned code points are left alone: which those are changes with the
// engine's Unicode version.
const VISIBLE = String.raw`[^\s\p{Cc}\p{Cf}\p{Cs}\p{Co}]`;

/**
 * Ids and short codes (agencies, areas, references): visible at both ends, and nothing inside
 * that could make two codes look alike or break a log line (controls, zero-width and bidi
 * characters, line breaks). Spaces inside are fine ("West Yorkshire").
 */
export const CODE = new RegExp(String.raw`^${VISIBLE}(?:[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]*${VISIBLE})?$`, 'u');

/** One line of text (a name, a place, a provider): something visible, no controls or line breaks. */
export const SINGLE_LINE = new RegExp(String.raw`^(?=[\s\S]*${VISIBLE})[^\p{Cc}\p{Cs}\p{Zl}\p{Zp}]*$`, 'u');

/** Free text (a note, a rationale): something visible; tabs and line breaks, but no other controls. */
export const FREE_TEXT = new RegExp(String.raw`^(?=[\s\S]*${VISIBLE})(?:[\t\n\r]|[^\p{Cc}\p{Cs}])*$`, 'u');

function textField(
  pattern: RegExp,
  problem: string,
  min: number,
  max: number,
  options: ValidationOptions = {},
): PropertyDecorator {
  const decorators = [
    IsString(options),
    Length(min, max, options),
    Matches(pattern, { ...options, message: ({ property }) => `${property} ${problem}` }),
  ];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

/** An id or short code of `min`..`max` characters: see `CODE`. */
export const IsCode = (min: number, max: number, options?: ValidationOptions) =>
  textField(
    CODE,
    'must start and end with a visible character and contain no control, zero-width or bidi characters',
    min,
    max,
    options,
  );

/** A single line of text of `min`..`max` characters: see `SINGLE_LINE`. */
export const IsSingleLine = (min: number, max: number, options?: ValidationOptions) =>
  textField(
    SINGLE_LINE,
    'must contain a visible character and no control characters or line breaks',
    min,
    max,
    options,
  );

/** Free text of `min`..`max` characters: see `FREE_TEXT`. */
export const IsFreeText = (min: number, max: number, options?: ValidationOptions) =>
  textField(
    FREE_TEXT,
    'must contain a visible character and no control characters but tab and newline',
    min,
    max,
    options,
  );
