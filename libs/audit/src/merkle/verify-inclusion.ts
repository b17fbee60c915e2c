/**
 * Verifying an inclusion proof, step by step as RFC 9162 section 2.1.3.2 gives it: from the leaf's
 * hash, its index and the tree size, fold the path into a root and compare it with the tree head's.
 */
import { type Hash, isHash, nodeHash } from './hashing';
import { halve, isOdd, isTreeSize } from './tree-shape';

export interface InclusionClaim {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Hash;
  readonly inclusionPath: readonly Hash[];
  /** The root hash of the tree head the leaf is claimed to be in. */
  readonly rootHash: Hash;
}

/** True only when the path proves `leafHash` is leaf `leafIndex` of the tree of `treeSize` with `rootHash`. */
export function verifyInclusion(claim: InclusionClaim): boolean {
  const { leafIndex, treeSize, leafHash, inclusionPath, rootHash } = claim;
  if (!isTreeSize(leafIndex) || !isTreeSize(treeSize)) return false;
  if (!isHash(leafHash) || !isHash(rootHash) || !inclusionPath.every(isHash)) return false;
  // 1. If leaf_index is greater than or equal to tree_size, fail.
  if (leafIndex >= treeSize) return false;
  // 2. Set fn to leaf_index and sn to tree_size - 1.
  let fn = leafIndex;
  let sn = treeSize - 1;
  // 3. Set r to hash.
  let r = leafHash;
  // 4. For each value p in the inclusion_path array:
  for (const p of inclusionPath) {
    // a. If sn is 0, stop the iteration and fail.
    if (sn === 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (isOdd(fn) || fn === sn) {
      // i. Set r to HASH(0x01 || p || r).
      r = nodeHash(p, r);
      // ii. If LSB(fn) is not set, right-shift fn and sn equally until LSB(fn) is set or fn is 0.
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = halve(fn);
          sn = halve(sn);
        }
      }
    } else {
      // Otherwise: i. Set r to HASH(0x01 || r || p).
      r = nodeHash(r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = halve(fn);
    sn = halve(sn);
  }
  // 5. Proven when sn is 0 and r equals root_hash.
  return sn === 0 && r.equals(rootHash);
}
