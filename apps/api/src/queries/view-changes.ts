/** One field of a view that an event changed: its path (`keyDates.referredOn`), and its value before and after. */
export interface ViewChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A value as a client reads it in JSON: undefined fields gone, dates as strings. */
export function asJson(value: unknown): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}

/**
 * The fields that differ between two renderings of a JSON view (`asJson`), in the order the
 * later one lists them, then those it no longer has. Two objects are compared field by field;
 * anything else (a list, a value, an object appearing or going) is one field, shown whole: a list
 * of decisions reads better whole than by index, and setting each change's `after` at its path
 * turns the earlier view into the later one. A field absent on one side is `null` there.
 */
export function viewChanges(before: Json, after: Json, path = ''): ViewChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((key) => !(key in after))];
    return keys.flatMap((key) => viewChanges(before[key] ?? null, after[key] ?? null, path ? `${path}.${key}` : key));
  }
  return sameJson(before, after) ? [] : [{ path, before, after }];
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
