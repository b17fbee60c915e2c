/**
 * A tree head: the size and root hash of the Merkle tree over every event (RFC 9162 section 2.1.1),
 * when it was signed, and which key signed it; and the bytes that are signed, defined here.
 *
 * The signed bytes (108 of them) are a context string and the key id, then the fields of RFC 9162
 * section 4.10's TreeHeadDataV2 in its TLS encoding (big-endian integers, a length byte before the
 * root hash, an empty extension list), so a Certificate Transparency tool reads the last 51 bytes:
 *
 *   offset size  field
 *        0   25  "marac/audit/tree-head/v1" then 0x00: these signatures can never be taken for
 *                any other message signed with the same key
 *       25   32  key_id: SHA-256 of the signing key's raw 32-byte Ed25519 public key
 *       57    8  timestamp: uint64, milliseconds since 1970-01-01T00:00:00Z
 *       65    8  tree_size: uint64, the number of leaves (events)
 *       73    1  32, the length of root_hash
 *       74   32  root_hash: MTH over the first tree_size leaves
 *      106    2  0x0000, the length of sth_extensions (none)
 */
import { type Hash, HASH_SIZE, isHash } from '../merkle/hashing';
import { isTreeSize } from '../merkle/tree-shape';

export interface TreeHead {
  readonly treeSize: number;
  readonly rootHash: Hash;
  /** Milliseconds since the Unix epoch, from the clock given to the signer. */
  readonly timestamp: number;
  /** SHA-256 of the raw Ed25519 public key that signs (or signed) this head. */
  readonly keyId: Hash;
}

export interface SignedTreeHead extends TreeHead {
  /** Ed25519 over `treeHeadSignedBytes(head)`: 64 bytes. */
  readonly signature: Buffer;
}

const CONTEXT = Buffer.from('marac/audit/tree-head/v1\0', 'latin1');
export const TREE_HEAD_SIGNED_BYTES = CONTEXT.length + HASH_SIZE + 8 + 8 + 1 + HASH_SIZE + 2;

/** Why these are not a tree head's fields, or `undefined` when they are. */
export function treeHeadProblem(head: TreeHead): string | undefined {
  if (!isTreeSize(head.treeSize)) return 'treeSize must be a whole number from 0 to 2^53 - 1';
  if (!isTreeSize(head.timestamp)) return 'timestamp must be whole milliseconds since 1970, not before';
  if (!isHash(head.rootHash)) return `rootHash must be ${HASH_SIZE} bytes`;
  if (!isHash(head.keyId)) return `keyId must be ${HASH_SIZE} bytes`;
  return undefined;
}

/** The canonical bytes a tree head's signature covers (the layout above). */
export function treeHeadSignedBytes(head: TreeHead): Buffer {
  const problem = treeHeadProblem(head);
  if (problem) throw new RangeError(`not a tree head: ${problem}`);
  const bytes = Buffer.alloc(TREE_HEAD_SIGNED_BYTES);
  let at = CONTEXT.copy(bytes, 0);
  at += head.keyId.copy(bytes, at);
  at = bytes.writeBigUInt64BE(BigInt(head.timestamp), at);
  at = bytes.writeBigUInt64BE(BigInt(head.treeSize), at);
  at = bytes.writeUInt8(HASH_SIZE, at);
  at += head.rootHash.copy(bytes, at);
  bytes.writeUInt16BE(0, at);
  return bytes;
}

/** A signed tree head as JSON carries it: hashes and signature in base64, the time as ISO 8601 too. */
export interface SignedTreeHeadJson {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly timestamp: number;
  readonly signedAt: string;
  readonly keyId: string;
  readonly signature: string;
}

export function signedTreeHeadToJson(head: SignedTreeHead): SignedTreeHeadJson {
  return {
    treeSize: head.treeSize,
    rootHash: head.rootHash.toString('base64'),
    timestamp: head.timestamp,
    signedAt: new Date(head.timestamp).toISOString(),
    keyId: head.keyId.toString('base64'),
    signature: head.signature.toString('base64'),
  };
}

/** The signed tree head in this JSON, or `undefined` when it is not one (unchecked signature). */
export function signedTreeHeadFromJson(json: unknown): SignedTreeHead | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { treeSize, rootHash, timestamp, keyId, signature } = json as Record<string, unknown>;
  if (typeof treeSize !== 'number' || typeof timestamp !== 'number') return undefined;
  if (![rootHash, keyId, signature].every((field) => typeof field === 'string' && BASE64.test(field))) {
    return undefined;
  }
  const head: SignedTreeHead = {
    treeSize,
    timestamp,
    rootHash: Buffer.from(rootHash as string, 'base64'),
    keyId: Buffer.from(keyId as string, 'base64'),
    signature: Buffer.from(signature as string, 'base64'),
  };
  return treeHeadProblem(head) === undefined && head.signature.length === 64 ? head : undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
