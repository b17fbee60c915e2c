import { createHmac, randomBytes } from 'node:crypto';
import { decrypt, encrypt, KEY_BYTES } from '@app/event-store';

/**
 * The key-encryption key (KEK): it wraps every person's data key, and never wraps data itself. It
 * comes from configuration (`KEY_ENCRYPTION_KEY` or a file), so the key store alone opens nothing.
 */
export class KeyEncryptionKey {
  /** A fingerprint (not the key): which KEK wrapped a data key, so a rotation knows what is left. */
  readonly id: string;

  private constructor(private readonly key: Buffer) {
    this.id = createHmac('sha256', key).update('marac key-encryption-key id').digest('hex').slice(0, 16);
  }

  /** 32 bytes written as base64 (or base64url) or 64 hex digits; anything else is refused. */
  static parse(text: string): KeyEncryptionKey {
    const trimmed = text.trim();
    const bytes = /^[0-9a-f]{64}$/i.test(trimmed)
      ? Buffer.from(trimmed, 'hex')
      : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)
        ? Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64')
        : undefined;
    if (bytes?.length !== KEY_BYTES) {
      throw new Error('a key-encryption key is 32 random bytes, written as base64 (44 characters) or 64 hex digits');
    }
    return new KeyEncryptionKey(bytes);
  }

  /** A new random KEK, as `KeyEncryptionKey.parse` reads it (for development and tests). */
  static generateText(): string {
    return randomBytes(KEY_BYTES).toString('base64');
  }

  wrap(dataKey: Buffer, associatedData: string): Buffer {
    return encrypt(this.key, dataKey, associatedData);
  }

  /** `undefined` when this KEK did not wrap these bytes (or they were altered). */
  unwrap(wrapped: Buffer, associatedData: string): Buffer | undefined {
    return decrypt(this.key, wrapped, associatedData);
  }
}
