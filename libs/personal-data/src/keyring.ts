import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyEncryptionKey } from './key-encryption-key';
import { isDestroyed, SubjectErased, type KeyStore, type WrappedDataKey } from './key-store.port';
import { KEY_BYTES } from '@app/event-store';

/** A person's data key, unwrapped, in memory only. */
export interface DataKey {
  readonly keyId: string;
  readonly subject: string;
  readonly key: Buffer;
}

/** What a key id resolves to when data is opened. */
export type KeyLookup = DataKey | { readonly destroyed: true; readonly subject: string } | undefined;

/** The KEK in configuration is not the one the key store was written with: nothing could be opened. */
export class KeyEncryptionKeyMismatch extends Error {
  override readonly name = 'KeyEncryptionKeyMismatch';
  constructor(
    readonly configured: string,
    readonly expected: string,
  ) {
    super(
      `the key-encryption key given (id ${configured}) is not the one this key store was written with (id ${expected}): ` +
        'give the right KEY_ENCRYPTION_KEY, or re-wrap the store with `npm run keys:rotate`',
    );
  }
}

/** A data key in the store cannot be unwrapped by the configured KEK (altered, or wrapped by another KEK). */
export class DataKeyUnreadable extends Error {
  override readonly name = 'DataKeyUnreadable';
  constructor(readonly keyId: string) {
    super(`data key ${keyId} cannot be unwrapped with the configured key-encryption key`);
  }
}

export interface KeyringOptions {
  /** Unwrapped keys kept in memory (most recently used). */
  readonly cacheSize?: number;
  /**
   * How long an unwrapped key is trusted without asking the store again: bounds how long another
   * process, which did not do an erasure itself, can still open the erased data.
   */
  readonly cacheTtlMs?: number;
  readonly now?: () => number;
}

const KEK_CHECK = 'kek-check';
const KEK_CHECK_TEXT = 'marac key store';

/**
 * The people's data keys: one per subject, made on first use, wrapped by the KEK in the key store,
 * unwrapped into a bounded in-memory cache. Destroying a subject's key is erasing their data.
 */
export class Keyring {
  private readonly byId = new Map<string, { value: DataKey; at: number }>();
  private readonly bySubject = new Map<string, string>();
  private readonly cacheSize: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  private constructor(
    readonly store: KeyStore,
    private readonly kek: KeyEncryptionKey,
    options: KeyringOptions,
  ) {
    this.cacheSize = options.cacheSize ?? 100_000;
    this.ttlMs = options.cacheTtlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Opens the key store with this KEK: a store written with another KEK is refused
   * (`KeyEncryptionKeyMismatch`) before anything is sealed or opened.
   */
  static async open(store: KeyStore, kek: KeyEncryptionKey, options: KeyringOptions = {}): Promise<Keyring> {
    await checkKek(store, kek);
    return new Keyring(store, kek, options);
  }

  get kekId(): string {
    return this.kek.id;
  }

  /** The subject's key if it is in memory and fresh, else `undefined` (no store access, no wait). */
  cachedKeyForSubject(subject: string): DataKey | undefined {
    const cachedId = this.bySubject.get(subject);
    return cachedId === undefined ? undefined : this.fresh(cachedId);
  }

  /** The subject's key, made (durably) if they have none yet; `SubjectErased` if it was destroyed. */
  async keyForSubject(subject: string): Promise<DataKey> {
    const cached = this.cachedKeyForSubject(subject);
    if (cached) return cached;
    const found = await this.store.bySubject(subject);
    if (isDestroyed(found)) throw new SubjectErased(subject);
    if (found) return this.remember(found);
    const keyId = randomBytes(16).toString('base64url');
    const key = randomBytes(KEY_BYTES);
    const stored = await this.store.create({
      keyId,
      subject,
      wrapped: this.kek.wrap(key, wrappingData(keyId, subject)),
      kekId: this.kek.id,
    });
    return stored.keyId === keyId ? this.cache({ keyId, subject, key }) : this.remember(stored);
  }

  /** The key with this id, or that it was destroyed, or `undefined` if the store never had it. */
  async keyById(keyId: string): Promise<KeyLookup> {
    const cached = this.fresh(keyId);
    if (cached) return cached;
    const found = await this.store.byId(keyId);
    if (isDestroyed(found)) {
      this.forget(keyId);
      return { destroyed: true, subject: found.subject };
    }
    return found && this.remember(found);
  }

  /** Destroys the subject's key for good (erasure); returns its id. Idempotent. */
  async destroySubjectKey(subject: string): Promise<{ keyId: string; destroyedAt: Date } | undefined> {
    const found = await this.store.bySubject(subject);
    if (!found) return undefined;
    this.forget(found.keyId);
    const destroyed = await this.store.destroy(found.keyId);
    this.forget(found.keyId);
    return { keyId: destroyed.keyId, destroyedAt: destroyed.destroyedAt };
  }

  /**
   * A keyed digest (HMAC-SHA-256) of `text` under a key derived from the subject's data key: it
   * tells equal texts apart from different ones without letting anyone confirm a guess of the
   * text, and it cannot be recomputed once the key is destroyed.
   */
  async digestForSubject(subject: string, text: string): Promise<string> {
    const { key } = await this.keyForSubject(subject);
    const digestKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'marac command digest', 32));
    return createHmac('sha256', digestKey).update(text).digest('hex');
  }

  private fresh(keyId: string): DataKey | undefined {
    const entry = this.byId.get(keyId);
    if (!entry) return undefined;
    if (this.now() - entry.at > this.ttlMs) {
      this.forget(keyId);
      return undefined;
    }
    // Most recently used last: the Map's order is the eviction order.
    this.byId.delete(keyId);
    this.byId.set(keyId, entry);
    return entry.value;
  }

  private remember(stored: WrappedDataKey): DataKey {
    const key = this.kek.unwrap(stored.wrapped, wrappingData(stored.keyId, stored.subject));
    if (!key) throw new DataKeyUnreadable(stored.keyId);
    return this.cache({ keyId: stored.keyId, subject: stored.subject, key });
  }

  private cache(value: DataKey): DataKey {
    this.byId.set(value.keyId, { value, at: this.now() });
    this.bySubject.set(value.subject, value.keyId);
    while (this.byId.size > this.cacheSize) {
      const oldest = this.byId.keys().next().value as string;
      this.forget(oldest);
    }
    return value;
  }

  /**
   * Drops a key and its subject's entry. Only `cache` adds to `bySubject`, always with the key in
   * `byId`, so the key's own subject is the only entry that can name it: no scan of `bySubject`,
   * which cost a pass over every cached subject on each eviction or expiry (0.6 ms a key at 50,000).
   */
  private forget(keyId: string): void {
    const entry = this.byId.get(keyId);
    this.byId.delete(keyId);
    if (entry && this.bySubject.get(entry.value.subject) === keyId) this.bySubject.delete(entry.value.subject);
  }
}

/** A data key's wrapping is bound to its id and subject: a wrapped key moved to another row will not open. */
function wrappingData(keyId: string, subject: string): string {
  return `v1|data-key|${keyId}|${subject}`;
}

async function checkKek(store: KeyStore, kek: KeyEncryptionKey): Promise<void> {
  const recorded = await store.getMeta(KEK_CHECK);
  if (recorded === undefined) {
    const check = kek.wrap(Buffer.from(KEK_CHECK_TEXT), KEK_CHECK);
    await store.setMeta(KEK_CHECK, JSON.stringify({ kekId: kek.id, check: check.toString('base64') }));
    return;
  }
  const { kekId, check } = JSON.parse(recorded) as { kekId: string; check: string };
  const opened = kek.unwrap(Buffer.from(check, 'base64'), KEK_CHECK);
  if (opened?.toString() !== KEK_CHECK_TEXT) throw new KeyEncryptionKeyMismatch(kek.id, kekId);
}

/**
 * Re-wraps every data key under `next` (KEK rotation). Keys already under `next` are left as they
 * are, so a rotation that stopped half-way is finished by running it again.
 */
export async function rewrapAll(
  store: KeyStore,
  current: KeyEncryptionKey,
  next: KeyEncryptionKey,
): Promise<{ rewrapped: number; alreadyDone: number }> {
  let rewrapped = 0;
  let alreadyDone = 0;
  for await (const stored of store.all()) {
    if (stored.kekId === next.id) {
      alreadyDone++;
      continue;
    }
    const bound = wrappingData(stored.keyId, stored.subject);
    const key = current.unwrap(stored.wrapped, bound);
    if (!key) throw new DataKeyUnreadable(stored.keyId);
    await store.rewrap(stored.keyId, next.wrap(key, bound), next.id);
    rewrapped++;
  }
  const check = next.wrap(Buffer.from(KEK_CHECK_TEXT), KEK_CHECK);
  await store.setMeta(KEK_CHECK, JSON.stringify({ kekId: next.id, check: check.toString('base64') }));
  return { rewrapped, alreadyDone };
}
