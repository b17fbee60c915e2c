/**
 * The shape of an RFC 9162 Merkle tree (section 2.1.1): where it splits (k, the largest power of two
 * smaller than n), and which perfect subtrees make up a run of leaves. Sizes and indexes are plain
 * numbers, whole and at most 2^53 - 1 (far past any event store), so arithmetic, never `>>`.
 */

/** A perfect subtree: the `2^level` leaves from `index * 2^level` on. Level 0 is one leaf. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** The leaves `[start, end)`; every element of a proof is the Merkle tree hash of one such run. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** A tree size or leaf index: a whole number from 0 to 2^53 - 1. */
export function isTreeSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** LSB(x) is set (the verification algorithms' test). */
export function isOdd(x: number): boolean {
  return x % 2 === 1;
}

/** x >> 1 (the verification algorithms' right shift), for numbers past 32 bits. */
export function halve(x: number): number {
  return Math.floor(x / 2);
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** k: the largest power of two smaller than n (n > 1), where MTH(D[n]) splits its leaves. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees that make up the leaves `[start, end)`, largest (leftmost) first: one per bit
 * of `end - start`. The range must be one a Merkle tree hash is taken over (`start` a multiple of a
 * power of two at least `end - start`), so each piece is a node of the full tree. Folding their
 * hashes from the right, `node(p0, node(p1, ... node(p_{j-1}, p_j)))`, gives MTH(D[start:end]).
 */
export function perfectSubtrees(range: LeafRange): NodeId[] {
  const pieces: NodeId[] = [];
  let remaining = range.end - range.start;
  let position = range.start;
  let width = 1;
  while (width * 2 <= remaining) width *= 2;
  for (let level = Math.log2(width); width >= 1; width /= 2, level -= 1) {
    if (remaining < width) continue;
    if (position % width !== 0) throw new RangeError(`leaves [${range.start}, ${range.end}) are not a subtree's`);
    pieces.push({ level, index: position / width });
    position += width;
    remaining -= width;
  }
  return pieces;
}
