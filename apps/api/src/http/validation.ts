import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ValidateIf, type ValidationOptions } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache';

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

/** A body nested deeper than any request of this API: refused before anything walks it. */
export class BodyTooDeep extends Error {
  override readonly name = 'BodyTooDeep';
  constructor(readonly maxDepth: number) {
    super(`The body is nested more than ${maxDepth} levels deep; no request of this API needs more than a few`);
  }
}

/**
 * No request of this API nests more than three levels (`personal.aliases[0]`); 32 leaves room
 * while keeping every walk of the value (ours, class-transformer's, class-validator's) far from
 * the stack's limit, which a 10 kB body of brackets reaches.
 */
export const MAX_BODY_DEPTH = 32;

/** Keys that mean "the prototype" to JavaScript: refused like any other unknown field, never dropped. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Past this many failing fields the answer lists no more: a body of 50,000 unknown keys gets 100. */
const MAX_LISTED_ERRORS = 100;

/**
 * Walks a parsed body or query without recursion (so depth costs no stack) and throws at the
 * first prototype key (naming its path) or past `maxDepth`.
 */
export function ensureSafeShape(value: unknown, maxDepth = MAX_BODY_DEPTH): void {
  if (value === null || typeof value !== 'object') return;
  type Visit = { readonly value: object; readonly depth: number; readonly path: string };
  const pending: Visit[] = [{ value, depth: 1, path: '' }];
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    if (visit.depth > maxDepth) throw new BodyTooDeep(maxDepth);
    for (const key of Object.keys(visit.value)) {
      const path = visit.path ? `${visit.path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key))
        throw new FieldValidationFailed([{ field: path, problems: [`property ${key} should not exist`] }]);
      const child = (visit.value as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') pending.push({ value: child, depth: visit.depth + 1, path });
    }
  }
}

function flatten(errors: readonly ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

function listed(errors: FieldError[]): FieldError[] {
  if (errors.length <= MAX_LISTED_ERRORS) return errors;
  const more = errors.length - MAX_LISTED_ERRORS;
  return [
    ...errors.slice(0, MAX_LISTED_ERRORS),
    { field: '(more)', problems: [`${more} more fields failed; only the first ${MAX_LISTED_ERRORS} are listed`] },
  ];
}

/** The shape checks first, then class-validator: Nest's own walk recurses and drops prototype keys. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') ensureSafeShape(value);
    return super.transform(value, metadata);
  }
}

/**
 * Strict DTO validation: unknown fields are refused (not silently dropped), prototype keys and
 * deep nesting too, types are converted only as the DTO declares, and every failing field is
 * reported.
 */
export function strictValidationPipe(): ValidationPipe {
  cacheValidationMetadata();
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) => new FieldValidationFailed(listed(flatten(errors))),
  });
}

/**
 * An optional field: absent is fine, but `null` is a value of the wrong type (class-validator's
 * `@IsOptional()` lets `null` through, which the documented schema does not allow). Documented
 * as optional all the same: the schema generator treats every conditional validation so.
 */
export function OptionalField(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value: unknown) => value !== undefined, options);
}
