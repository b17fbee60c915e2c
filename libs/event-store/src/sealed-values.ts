import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Personal values sealed at rest (what `@app/personal-data` classifies and keys, the store seals as
 * it writes: `EventData.seal`). AES-256-GCM from `node:crypto`: a fresh 96-bit IV for every value,
 * a 128-bit tag, and associated data that binds the ciphertext to where it belongs (which event,
 * which field, which key), so a ciphertext copied anywhere else fails to open instead of showing
 * someone else's data.
 */
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** `iv || ciphertext || tag`. */
export function encrypt(key: Buffer, plaintext: Buffer, associatedData: string): Buffer {
  const iv = freshIv();
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = cipher.update(plaintext);
  const rest = cipher.final(); // empty for GCM, a stream mode; kept so nothing depends on that
  return Buffer.concat([iv, body, rest, cipher.getAuthTag()]);
}

// IVs are cut from a block of CSPRNG output, a new block when one is used up: a `randomBytes`
// call per value was about half the cost of sealing it (profiled in bench:event-store). Each IV is
// still 96 random bits used once; a block is never refilled in place, so an IV handed out earlier
// is never overwritten; and IVs are public (stored beside the ciphertext), so a block held in
// memory reveals nothing.
const IV_BLOCK = IV_BYTES * 1024;
let ivBlock = Buffer.alloc(0);
let ivOffset = 0;

function freshIv(): Buffer {
  if (ivOffset + IV_BYTES > ivBlock.length) {
    ivBlock = randomBytes(IV_BLOCK);
    ivOffset = 0;
  }
  const iv = ivBlock.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}

/** The plaintext, or `undefined` when the bytes were altered or belong elsewhere (the tag does not verify). */
export function decrypt(key: Buffer, sealed: Buffer, associatedData: string): Buffer | undefined {
  if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** What a personal field holds at rest: `{"$sealed": "v1.<key id>.<base64url(iv|ciphertext|tag)>"}`. */
export interface SealedValue {
  readonly $sealed: string;
}

export function isSealedValue(value: unknown): value is SealedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { $sealed?: unknown }).$sealed === 'string' &&
    Object.keys(value).length === 1
  );
}

export function sealedValue(keyId: string, bytes: Buffer): SealedValue {
  return { $sealed: `v1.${keyId}.${bytes.toString('base64url')}` };
}

/** The key id and bytes of a sealed value, or `undefined` when it is not one this version wrote. */
export function parseSealedValue(value: SealedValue): { keyId: string; bytes: Buffer } | undefined {
  const [version, keyId, body, ...rest] = value.$sealed.split('.');
  if (version !== 'v1' || !keyId || body === undefined || rest.length > 0) return undefined;
  return { keyId, bytes: Buffer.from(body, 'base64url') };
}

/** The associated data of a personal field: the event it is in, its path, and the key that sealed it. */
export function fieldAssociatedData(eventId: string, path: readonly string[], keyId: string): string {
  return `v1|${eventId}|${path.join('.')}|${keyId}`;
}

/**
 * A field of an event's data that the store seals as it writes the event: the value at `path` is
 * replaced by its sealed value under this key, bound to the event's id, the path and the key id.
 * The caller (`@app/personal-data`) says which fields and which keys; the store does it where it
 * writes (on its commit thread, for the embedded store), so the caller's thread does no AES.
 */
export interface FieldSeal {
  readonly path: readonly string[];
  readonly keyId: string;
  readonly key: Buffer;
}

/** `data` with the field at each seal's path replaced by its sealed value; `data` itself is not changed. */
export function sealFields(eventId: string, data: unknown, seals: readonly FieldSeal[]): unknown {
  let sealed = data;
  for (const { path, keyId, key } of seals) {
    const plain = Buffer.from(JSON.stringify(valueAt(sealed, path)), 'utf8');
    const bytes = encrypt(key, plain, fieldAssociatedData(eventId, path, keyId));
    sealed = withValueAt(sealed, path, sealedValue(keyId, bytes), 0);
  }
  return sealed;
}

/**
 * Why these seals cannot be applied to this data (a field missing or already sealed, a key of the
 * wrong size), or `undefined` when they can: checked before an append is queued, so sealing where
 * the store writes never fails.
 */
export function unsealable(data: unknown, seals: readonly FieldSeal[]): string | undefined {
  for (const { path, key } of seals) {
    const value = valueAt(data, path);
    if (value === undefined) return `it has no ${path.join('.')} to seal`;
    if (isSealedValue(value)) return `its ${path.join('.')} is already sealed`;
    if (key.length !== KEY_BYTES) return `the key for ${path.join('.')} is not ${KEY_BYTES} bytes`;
  }
  return undefined;
}

/** Seals as text, to cross to the commit thread beside the event's text ('' for none). */
export function encodeSeals(seals: readonly FieldSeal[] | undefined): string {
  if (!seals || seals.length === 0) return '';
  return JSON.stringify(seals.map(({ path, keyId, key }) => [path, keyId, key.toString('base64')]));
}

export function decodeSeals(text: string): FieldSeal[] {
  if (text === '') return [];
  return (JSON.parse(text) as [string[], string, string][]).map(([path, keyId, key]) => ({
    path,
    keyId,
    key: Buffer.from(key, 'base64'),
  }));
}

// Paths name object keys, as `@app/case-domain`'s classification does (the store imports nothing
// of the domain, so these two small walks are its own).
function valueAt(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const part of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function withValueAt(data: unknown, path: readonly string[], value: unknown, from: number): unknown {
  if (from === path.length) return value;
  const object = data as Record<string, unknown>;
  return { ...object, [path[from]!]: withValueAt(object[path[from]!], path, value, from + 1) };
}
