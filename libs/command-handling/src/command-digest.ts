import { createHash } from 'node:crypto';

/**
 * The SHA-256 of a command's canonical JSON (its type and fields, keys sorted at every depth): equal
 * for the same command however its fields were ordered, different for any other.
 */
export function commandDigest(command: { readonly type: string }): string {
  return createHash('sha256').update(canonicalJson(command)).digest('hex');
}

/** JSON with the keys of every object sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) =>
    field !== null && typeof field === 'object' && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : field,
  );
}

/** The namespace of the ids below (a random UUID, fixed once). */
const KEYED_ID_NAMESPACE = Buffer.from('631a27d52f3d434bbcf981585f35e8f4', 'hex');

/**
 * The id a keyed create uses when the client named none: a name-based UUID (RFC 9562, version 5)
 * of the agency and its Idempotency-Key, so a retry lands on the same stream, where the key is
 * remembered, instead of making a second case.
 */
export function idForIdempotencyKey(agency: string, key: string): string {
  const hash = createHash('sha1').update(KEYED_ID_NAMESPACE).update(`${agency}\n${key}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
