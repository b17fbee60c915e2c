/**
 * RFC 9162 section 2.1: the Merkle tree hash MTH(D[n]) (2.1.1), the inclusion path PATH(m, D[n])
 * (2.1.3.1) and the consistency proof PROOF(m, D[n]) (2.1.4.1), written as the RFC writes them.
 *
 * PATH and PROOF are given here as the leaf ranges whose MTH each proof element is, so the same
 * recursion serves an array of leaves in memory (`inclusionPath`, `consistencyProof`, the
 * reference the tests hold the store to) and a stored tree, which reads each range's few perfect
 * subtrees instead of its leaves (see merkle-log.ts). Trees are given by their leaf hashes
 * (MTH({d}) = leafHash(d)), so nothing here sees an event's bytes.
 */
import { EMPTY_ROOT_HASH, type Hash, nodeHash } from './hashing';
import { isTreeSize, largestPowerOfTwoBelow, type LeafRange } from './tree-shape';

/** MTH(D[n]) over the leaves' hashes: HASH() for none, the leaf hash for one, else split at k. */
export function merkleTreeHash(leafHashes: readonly Hash[]): Hash {
  if (leafHashes.length === 0) return EMPTY_ROOT_HASH;
  if (leafHashes.length === 1) return leafHashes[0]!;
  const k = largestPowerOfTwoBelow(leafHashes.length);
  return nodeHash(merkleTreeHash(leafHashes.slice(0, k)), merkleTreeHash(leafHashes.slice(k)));
}

/**
 * PATH(m, D[n]) as leaf ranges, nearest the leaf first (the order the verifier consumes them):
 * for m < k, PATH(m, D[0:k]) then MTH(D[k:n]); else PATH(m - k, D[k:n]) then MTH(D[0:k]).
 */
export function inclusionPathRanges(leafIndex: number, treeSize: number): LeafRange[] {
  if (!isTreeSize(leafIndex) || !isTreeSize(treeSize) || leafIndex >= treeSize) {
    throw new RangeError(`no leaf ${leafIndex} in a tree of ${treeSize}`);
  }
  return path(leafIndex, 0, treeSize);
}

function path(m: number, offset: number, n: number): LeafRange[] {
  if (n === 1) return [];
  const k = largestPowerOfTwoBelow(n);
  return m < k
    ? [...path(m, offset, k), { start: offset + k, end: offset + n }]
    : [...path(m - k, offset + k, n - k), { start: offset, end: offset + k }];
}

/**
 * PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as leaf ranges, for 0 < m <= n (empty when m = n).
 * SUBPROOF(m, D[m], b) is {} when b, else {MTH(D[m])}; for m <= k it is SUBPROOF(m, D[0:k], b)
 * then MTH(D[k:n]); for m > k, SUBPROOF(m - k, D[k:n], false) then MTH(D[0:k]).
 */
export function consistencyProofRanges(first: number, second: number): LeafRange[] {
  if (!isTreeSize(first) || !isTreeSize(second) || first < 1 || first > second) {
    // From the empty tree there is nothing to prove (RFC 9162 defines PROOF for 0 < m).
    throw new RangeError(`no consistency proof from a tree of ${first} to one of ${second}`);
  }
  return subproof(first, 0, second, true);
}

function subproof(m: number, offset: number, n: number, startsFromOldRoot: boolean): LeafRange[] {
  if (m === n) return startsFromOldRoot ? [] : [{ start: offset, end: offset + n }];
  const k = largestPowerOfTwoBelow(n);
  return m <= k
    ? [...subproof(m, offset, k, startsFromOldRoot), { start: offset + k, end: offset + n }]
    : [...subproof(m - k, offset + k, n - k, false), { start: offset, end: offset + k }];
}

/** PATH(m, D[n]) over leaves held in memory. */
export function inclusionPath(leafIndex: number, leafHashes: readonly Hash[]): Hash[] {
  return inclusionPathRanges(leafIndex, leafHashes.length).map((range) => rangeHash(leafHashes, range));
}

/** PROOF(m, D[n]) over leaves held in memory (D[n] being all of them). */
export function consistencyProof(first: number, leafHashes: readonly Hash[]): Hash[] {
  return consistencyProofRanges(first, leafHashes.length).map((range) => rangeHash(leafHashes, range));
}

function rangeHash(leafHashes: readonly Hash[], range: LeafRange): Hash {
  return merkleTreeHash(leafHashes.slice(range.start, range.end));
}
