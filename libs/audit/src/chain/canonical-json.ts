/**
 * Canonical JSON: what `JSON.stringify` writes, but with the keys of every object sorted by UTF-16
 * code units (as `Array.prototype.sort` compares strings, integer-like keys included) and no
 * whitespace. For the JSON values events hold this is the JSON Canonicalization Scheme (RFC 8785):
 * numbers and strings are written as ECMAScript writes them. Equal values always give equal text,
 * so a hash over it does not depend on the order a writer happened to build an object in.
 *
 * Hand-written rather than a `JSON.stringify` replacer: it runs on every append (the text is what
 * the embedded store keeps), and a replacer that rebuilds each object costs about twice as much.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON form');
  return text;
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: a BigInt has no JSON form');
    case 'object':
      break;
    default:
      return undefined; // undefined, functions and symbols: left out of objects, null in arrays
  }
  if (value === null) return 'null';
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return write(withToJson.toJSON());
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      text += write(value[i]) ?? 'null';
    }
    return text + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Objects often come with their keys in order already: sort only when they are not.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let text = '{';
  for (const key of keys) {
    const field = write(record[key]);
    if (field === undefined) continue;
    if (text.length > 1) text += ',';
    text += quotedKey(key) + field;
  }
  return text + '}';
}

/** `"key":` for each key seen, so the field names events repeat are quoted once (bounded: a cache, not a leak). */
const quoted = new Map<string, string>();

function quotedKey(key: string): string {
  let text = quoted.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:`;
    if (quoted.size < 10_000 && key.length <= 64) quoted.set(key, text);
  }
  return text;
}
