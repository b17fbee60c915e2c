/**
 * Where the people's data keys live, wrapped by the key-encryption key: never in the event log,
 * never in Redis, and deletable for real, because destroying a key is how a person's data is erased.
 * Adapters: embedded SQLite (`SqliteKeyStore`) and PostgreSQL; both pass `testing/key-store.contract.ts`.
 */
export interface WrappedDataKey {
  readonly keyId: string;
  /** Whose key it is (`victim-<case id>`): one live key per subject. */
  readonly subject: string;
  /** The data key, AES-256-GCM-wrapped by the KEK `kekId`, bound to its key id and subject. */
  readonly wrapped: Buffer;
  readonly kekId: string;
}

/** A key that was destroyed: no key material, only the fact and when. */
export interface DestroyedDataKey {
  readonly keyId: string;
  readonly subject: string;
  readonly destroyedAt: Date;
}

export interface KeyStore {
  /**
   * Stores a new key for its subject unless the subject already has one, and returns the subject's
   * key (the new one, or the one another writer stored first). Durable when it resolves. Refuses
   * (`SubjectErased`) a subject whose key was destroyed.
   */
  create(key: WrappedDataKey): Promise<WrappedDataKey>;
  bySubject(subject: string): Promise<WrappedDataKey | DestroyedDataKey | undefined>;
  byId(keyId: string): Promise<WrappedDataKey | DestroyedDataKey | undefined>;
  /**
   * Deletes the key so it cannot be recovered from the store's files, and keeps only the fact that
   * it was destroyed. Idempotent: a key already destroyed stays destroyed.
   */
  destroy(keyId: string): Promise<DestroyedDataKey>;
  /** Every live key, for re-wrapping under a new KEK. */
  all(): AsyncIterable<WrappedDataKey>;
  /** Replaces a live key's wrapping (same key id and subject), durably. */
  rewrap(keyId: string, wrapped: Buffer, kekId: string): Promise<void>;
  /** A small named value the keyring keeps (the KEK check). */
  getMeta(name: string): Promise<string | undefined>;
  setMeta(name: string, value: string): Promise<void>;
  close(): Promise<void>;
  readonly description: string;
}

export function isDestroyed(key: WrappedDataKey | DestroyedDataKey | undefined): key is DestroyedDataKey {
  return key !== undefined && 'destroyedAt' in key;
}

/** A subject's key was destroyed (their data erased): nothing new is sealed for them. */
export class SubjectErased extends Error {
  override readonly name = 'SubjectErased';
  constructor(readonly subject: string) {
    super(`The personal data of ${subject} was erased: nothing new can be kept for them`);
  }
}
