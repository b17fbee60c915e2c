/**
 * A state read back from JSON, put back in the shape its projection folds it in. A projection's
 * initial state lists every field, unset ones as undefined, so that every state folded from it has
 * the same keys in the same order (one hidden class: folding stays fast). JSON leaves undefined
 * fields out, so a parsed state lacks them; a field set later would then be added at the end, and
 * the state would be written back with its keys in another order than a rebuild writes them.
 * This lays `value` out in `template`'s key order, nested plain objects likewise; fields the
 * template does not name follow in their own order. Arrays and other values are taken as they are.
 */
export function inShapeOf<T>(template: T, value: T): T {
  if (!isPlainObject(template) || !isPlainObject(value)) return value;
  const shaped: Record<string, unknown> = {};
  for (const key of Object.keys(template)) {
    shaped[key] = key in value ? inShapeOf(template[key], value[key]) : undefined;
  }
  for (const key of Object.keys(value)) if (!(key in shaped)) shaped[key] = value[key];
  return shaped as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
