// The fields the classification names, reached by their path in an event's data: one way to read
// and write them for the domain's rules and for sealing alike.

/** The value at a field's path in an event's data (`undefined` where the path does not lead to one). */
export function valueAt(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const step of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

/** The event's data with the field at `path` set to `value`, the objects on the way copied (the data read is left as it was). */
export function withValueAt(data: unknown, path: readonly string[], value: unknown): unknown {
  const [step, ...rest] = path;
  if (step === undefined) return value;
  const object = (data ?? {}) as Record<string, unknown>;
  return { ...object, [step]: rest.length === 0 ? value : withValueAt(object[step], rest, value) };
}
