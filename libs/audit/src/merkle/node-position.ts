/**
 * Where each node of an RFC 9162 Merkle tree (section 2.1.1) is kept: its position in post-order,
 * the order a growing tree completes its nodes. Appending leaf n-1 completes the leaf and then one
 * node per trailing 1 bit of n-1, and a tree of n leaves has completed 2n - popcount(n) nodes, so
 * a store that numbers nodes this way only ever appends at the end of its key space.
 */
import { type NodeId } from './tree-shape';

/** How many nodes (leaves and perfect subtrees) a tree of `size` leaves has completed. */
export function completedNodeCount(size: number): number {
  return 2 * size - popcount(size);
}

/** The post-order position of a node: the nodes completed before its last leaf, plus its level. */
export function nodePosition(node: NodeId): number {
  const lastLeaf = (node.index + 1) * 2 ** node.level - 1;
  return completedNodeCount(lastLeaf) + node.level;
}

/** The number of 1 bits of a whole number below 2^53 (two 32-bit halves: `>>>` stops at 32). */
function popcount(x: number): number {
  return popcount32(Math.floor(x / 2 ** 32)) + popcount32(x >>> 0);
}

function popcount32(x: number): number {
  let count = 0;
  for (let rest = x; rest !== 0; rest >>>= 1) count += rest & 1;
  return count;
}
