/**
 * The Merkle tree hashing of RFC 9162 (Certificate Transparency 2.0), section 2.1.1, with SHA-256:
 * a leaf is `HASH(0x00 || d)`, an interior node `HASH(0x01 || left || right)`, and the empty tree
 * `HASH()`. The two prefixes keep a leaf from ever being passed off as a node (second preimages).
 */
import { hash } from 'node:crypto';

/** A SHA-256 output: a leaf hash, a node hash or a root hash. */
export type Hash = Buffer;

export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** MTH({}) = HASH(): the root hash of the tree with no leaves. */
export const EMPTY_ROOT_HASH: Hash = hash('sha256', Buffer.alloc(0), 'buffer');

/** MTH({d}) = HASH(0x00 || d): the hash of one entry (for us, one event's bytes as stored). */
export function leafHash(data: Uint8Array): Hash {
  const prefixed = Buffer.allocUnsafe(1 + data.length);
  prefixed[0] = LEAF_PREFIX;
  prefixed.set(data, 1);
  return hash('sha256', prefixed, 'buffer');
}

// One scratch buffer for every node hash: `hash()` is synchronous, so no two calls share it at once.
const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeInput[0] = NODE_PREFIX;

/** HASH(0x01 || left || right): the hash of an interior node from its two children's hashes. */
export function nodeHash(left: Hash, right: Hash): Hash {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    // A child of another length was never a SHA-256 output: refuse it rather than hash it.
    throw new RangeError(`a node's children are ${HASH_SIZE}-byte hashes, got ${left.length} and ${right.length}`);
  }
  left.copy(nodeInput, 1);
  right.copy(nodeInput, 1 + HASH_SIZE);
  return hash('sha256', nodeInput, 'buffer');
}

/** Whether this is a SHA-256 output's length (what proofs and tree heads may carry). */
export function isHash(value: Uint8Array): boolean {
  return value.length === HASH_SIZE;
}
