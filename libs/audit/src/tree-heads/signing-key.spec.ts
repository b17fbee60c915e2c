/** Ed25519 tree-head keys (RFC 8032 test vector) and verification with the public key only. */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { leafHash } from '../merkle/hashing';
import { withFlippedBit } from '../merkle/testing/test-tree';
import { TreeHeadSigningKey, keyIdOf, publicKeyFromPem, verifyTreeHead } from './signing-key';

// RFC 8032 section 7.1, test 1: an Ed25519 secret key (seed) and the public key it gives.
const RFC8032_SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
const RFC8032_PUBLIC = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');

const tree = { treeSize: 1234, rootHash: leafHash(Buffer.from('synthetic root')) };
const signedAt = new Date(Date.UTC(2026, 5, 1, 12));

describe('TreeHeadSigningKey', () => {
  it('reads a base64 seed (RFC 8032 test 1) and its id is SHA-256 of the raw public key', () => {
    const key = TreeHeadSigningKey.parse(RFC8032_SEED.toString('base64'));
    expect(key.publicKey).toEqual(RFC8032_PUBLIC);
    expect(key.keyId).toEqual(createHash('sha256').update(RFC8032_PUBLIC).digest());
  });

  it('reads an Ed25519 PKCS#8 PEM', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = TreeHeadSigningKey.parse(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const expectedPublic = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    expect(key.publicKey).toEqual(expectedPublic);
    expect(publicKeyFromPem(key.publicKeyPem())).toEqual(expectedPublic);
  });

  it('refuses anything else without echoing it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    const refusals: [string, RegExp][] = [
      [rsa.toString(), /must be an Ed25519 key, not rsa/],
      ['-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----', /PKCS#8 private key/],
      [Buffer.alloc(31, 7).toString('base64'), /32-byte seed/],
      ['secret-signing-words-that-are-no-key-at-all', /32-byte seed/],
      [RFC8032_SEED.toString('base64url'), /32-byte seed/],
    ];
    for (const [text, message] of refusals) {
      expect(() => TreeHeadSigningKey.parse(text)).toThrow(message);
      try {
        TreeHeadSigningKey.parse(text);
      } catch (error) {
        const material = text
          .replace(/-----[A-Z ]+-----/g, '')
          .trim()
          .slice(0, 12);
        expect((error as Error).message).not.toContain(material);
      }
    }
  });

  it('generates keys it can read, each different', () => {
    const one = TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText());
    const two = TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText());
    expect(one.keyId).not.toEqual(two.keyId);
  });
});

describe('verifyTreeHead, with the public key only', () => {
  const key = TreeHeadSigningKey.parse(RFC8032_SEED.toString('base64'));
  const head = key.sign(tree, signedAt);

  it('accepts the head as signed', () => {
    expect(head).toMatchObject({ treeSize: 1234, timestamp: signedAt.getTime(), keyId: key.keyId });
    expect(verifyTreeHead(head, key.publicKey)).toBe(true);
  });

  it('fails when any field or any byte of the signature changed', () => {
    expect(verifyTreeHead({ ...head, treeSize: 1235 }, key.publicKey)).toBe(false);
    expect(verifyTreeHead({ ...head, timestamp: head.timestamp + 1 }, key.publicKey)).toBe(false);
    for (let byte = 0; byte < 32; byte += 1) {
      expect(verifyTreeHead({ ...head, rootHash: withFlippedBit(head.rootHash, byte) }, key.publicKey)).toBe(false);
    }
    for (let byte = 0; byte < 64; byte += 1) {
      expect(verifyTreeHead({ ...head, signature: withFlippedBit(head.signature, byte, 3) }, key.publicKey)).toBe(
        false,
      );
    }
    expect(verifyTreeHead({ ...head, signature: head.signature.subarray(0, 63) }, key.publicKey)).toBe(false);
  });

  it('fails for a head from another key, whichever key id it carries', () => {
    const other = TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText());
    const forged = other.sign(tree, signedAt);
    expect(verifyTreeHead(forged, key.publicKey)).toBe(false);
    expect(verifyTreeHead({ ...forged, keyId: key.keyId }, key.publicKey)).toBe(false);
    expect(verifyTreeHead(forged, other.publicKey)).toBe(true);
    expect(verifyTreeHead(head, Buffer.alloc(31))).toBe(false);
    expect(keyIdOf(other.publicKey)).toEqual(other.keyId);
  });
});
