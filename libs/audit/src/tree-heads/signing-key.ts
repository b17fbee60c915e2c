/**
 * The Ed25519 key that signs tree heads (RFC 9162 section 4.10 signs TreeHeadDataV2; ours are laid
 * out in tree-head.ts), and verification with the public key alone. A key is given as an Ed25519
 * PKCS#8 PEM (`openssl genpkey -algorithm ed25519`) or as its 32-byte seed in base64
 * (`openssl rand -base64 32`). Its id is
 * SHA-256 of the raw 32-byte public key, so a head names the key it needs.
 */
import { createPrivateKey, createPublicKey, hash, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { type Hash } from '../merkle/hashing';
import { type SignedTreeHead, type TreeHead, treeHeadProblem, treeHeadSignedBytes } from './tree-head';

const SEED_BYTES = 32;
const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
// The fixed DER before the 32 key bytes of an Ed25519 PKCS#8 private key and SPKI public key (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export class TreeHeadSigningKey {
  /** The raw 32-byte Ed25519 public key: what an auditor needs to check every head. */
  readonly publicKey: Buffer;
  readonly keyId: Hash;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = rawPublicKey(createPublicKey(privateKey));
    this.keyId = keyIdOf(this.publicKey);
  }

  /** An Ed25519 PKCS#8 PEM, or a 32-byte seed as base64 (44 characters); anything else is refused, never echoed. */
  static parse(text: string): TreeHeadSigningKey {
    const trimmed = text.trim();
    if (trimmed.includes('-----BEGIN')) {
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: trimmed, format: 'pem' });
      } catch {
        throw new Error('an audit signing key PEM must hold a PKCS#8 private key (-----BEGIN PRIVATE KEY-----)');
      }
      if (key.asymmetricKeyType !== 'ed25519') {
        throw new Error(`an audit signing key must be an Ed25519 key, not ${key.asymmetricKeyType ?? 'a secret key'}`);
      }
      return new TreeHeadSigningKey(key);
    }
    // Only the padded form (`openssl rand -base64 32`): then a 43-letter word is never taken for a key.
    const seed = /^[A-Za-z0-9+/]{43}=$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
    if (seed?.length !== SEED_BYTES) {
      throw new Error('an audit signing key is an Ed25519 PKCS#8 PEM, or its 32-byte seed as base64 (44 characters)');
    }
    return new TreeHeadSigningKey(
      createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
    );
  }

  /** A new random key, as `parse` reads it (a base64 seed), for development and tests. */
  static generateText(): string {
    return randomBytes(SEED_BYTES).toString('base64');
  }

  /** Signs the head of a tree of `treeSize` leaves with `rootHash`, at `signedAt`. */
  sign(tree: Pick<TreeHead, 'treeSize' | 'rootHash'>, signedAt: Date): SignedTreeHead {
    const head: TreeHead = {
      treeSize: tree.treeSize,
      rootHash: tree.rootHash,
      timestamp: signedAt.getTime(),
      keyId: this.keyId,
    };
    return { ...head, signature: sign(null, treeHeadSignedBytes(head), this.privateKey) };
  }

  /** The public key as a PEM (SPKI), to publish beside the heads. */
  publicKeyPem(): string {
    return publicKeyPemOf(this.publicKey);
  }
}

/** A raw 32-byte Ed25519 public key as a PEM (SPKI): what `publicKeyFromPem` reads back. */
export function publicKeyPemOf(publicKey: Buffer): string {
  return publicKeyObject(publicKey).export({ format: 'pem', type: 'spki' }).toString();
}

/** A key's id: SHA-256 of its raw 32-byte Ed25519 public key. */
export function keyIdOf(publicKey: Buffer): Hash {
  return hash('sha256', publicKey, 'buffer');
}

/** The raw 32-byte public key in an Ed25519 public key PEM (SPKI); refused if it is not one. */
export function publicKeyFromPem(pem: string): Buffer {
  const key = createPublicKey({ key: pem, format: 'pem' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 public key');
  return rawPublicKey(key);
}

/**
 * True only when `head` is well formed, names this public key (a head from another key fails even
 * if its own key's signature is good) and carries this key's signature over its signed bytes.
 */
export function verifyTreeHead(head: SignedTreeHead, publicKey: Buffer): boolean {
  if (treeHeadProblem(head) !== undefined || head.signature.length !== SIGNATURE_BYTES) return false;
  if (publicKey.length !== PUBLIC_KEY_BYTES || !head.keyId.equals(keyIdOf(publicKey))) return false;
  return verify(null, treeHeadSignedBytes(head), publicKeyObject(publicKey), head.signature);
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

function publicKeyObject(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}
