/**
 * Verifying a consistency proof between two tree heads, step by step as RFC 9162 section 2.1.4.2
 * gives it (for 0 < first < second): the proof must rebuild both the first root and the second,
 * which holds only if the first tree's leaves are, unchanged, the start of the second's.
 * The RFC leaves two cases to the caller, decided here as transparency-dev/merkle does: equal sizes
 * need an empty proof and equal roots; a first tree of size 0 proves nothing and is refused.
 */
import { type Hash, isHash, nodeHash } from './hashing';
import { halve, isOdd, isPowerOfTwo, isTreeSize } from './tree-shape';

export interface ConsistencyClaim {
  readonly first: number;
  readonly second: number;
  readonly firstHash: Hash;
  readonly secondHash: Hash;
  readonly consistencyPath: readonly Hash[];
}

/** True only when the proof shows the tree of `first` (firstHash) is a prefix of the tree of `second` (secondHash). */
export function verifyConsistency(claim: ConsistencyClaim): boolean {
  const { first, second, firstHash, secondHash, consistencyPath } = claim;
  if (!isTreeSize(first) || !isTreeSize(second) || first === 0 || first > second) return false;
  if (!isHash(firstHash) || !isHash(secondHash) || !consistencyPath.every(isHash)) return false;
  if (first === second) return consistencyPath.length === 0 && firstHash.equals(secondHash);
  // 1. If consistency_path is an empty array, stop and fail.
  if (consistencyPath.length === 0) return false;
  // 2. If first is an exact power of 2, prepend first_hash to the consistency_path array.
  const path = isPowerOfTwo(first) ? [firstHash, ...consistencyPath] : consistencyPath;
  // 3. Set fn to first - 1 and sn to second - 1.
  let fn = first - 1;
  let sn = second - 1;
  // 4. If LSB(fn) is set, right-shift both fn and sn equally until LSB(fn) is not set.
  while (isOdd(fn)) {
    fn = halve(fn);
    sn = halve(sn);
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6. For each subsequent value c in the consistency_path array:
  for (const c of path.slice(1)) {
    // a. If sn is 0, stop the iteration and fail.
    if (sn === 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (isOdd(fn) || fn === sn) {
      // i. Set fr to HASH(0x01 || c || fr); ii. set sr to HASH(0x01 || c || sr).
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      // iii. If LSB(fn) is not set, right-shift fn and sn equally until LSB(fn) is set or fn is 0.
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = halve(fn);
          sn = halve(sn);
        }
      }
    } else {
      // Otherwise: i. Set sr to HASH(0x01 || sr || c).
      sr = nodeHash(sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = halve(fn);
    sn = halve(sn);
  }
  // 7. Proven when fr equals first_hash, sr equals second_hash, and sn is 0.
  return fr.equals(firstHash) && sr.equals(secondHash) && sn === 0;
}
