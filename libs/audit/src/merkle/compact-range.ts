/**
 * The incremental Merkle tree builder: leaves go in one at a time (the worker feeds it every event
 * in `$all` order) and the root of RFC 9162 section 2.1.1 comes out at any size, in O(log n) memory.
 * It keeps only the frontier, the roots of the perfect subtrees that make up the leaves so far (one
 * per bit of the size, largest first): what transparency-dev/merkle calls a compact range [0, n).
 * Each append reports the nodes it completed, so a store can keep them for later proofs.
 */
import { EMPTY_ROOT_HASH, type Hash, isHash, nodeHash } from './hashing';
import { type NodeId, isTreeSize, perfectSubtrees } from './tree-shape';

/** A node of the tree whose hash is now final: a leaf (level 0) or a completed perfect subtree. */
export interface CompletedNode extends NodeId {
  readonly hash: Hash;
}

export class CompactRange {
  private constructor(
    private size: number,
    /** The frontier: the hashes of `perfectSubtrees([0, size))`, in that order. */
    private readonly frontier: Hash[],
  ) {}

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /**
   * The builder for a tree of `size` leaves, from the hashes of its frontier nodes (those of
   * `frontierOf(size)`, in order), as a store read them back.
   */
  static resume(size: number, frontierHashes: readonly Hash[]): CompactRange {
    if (!isTreeSize(size)) throw new RangeError(`${size} is not a tree size`);
    const expected = frontierOf(size).length;
    if (frontierHashes.length !== expected || !frontierHashes.every(isHash)) {
      throw new RangeError(`a tree of ${size} leaves has ${expected} frontier hashes, got ${frontierHashes.length}`);
    }
    return new CompactRange(size, [...frontierHashes]);
  }

  get treeSize(): number {
    return this.size;
  }

  /**
   * Adds leaf `treeSize` and merges the perfect subtrees it completes; `completed` hears of the
   * leaf and then of each new node, lowest first, so a store can keep them.
   */
  append(leafHash: Hash, completed?: (node: CompletedNode) => void): void {
    if (!isHash(leafHash)) throw new RangeError(`a leaf hash is 32 bytes, got ${leafHash.length}`);
    let index = this.size;
    let level = 0;
    let hash = leafHash;
    completed?.({ level, index, hash });
    // The new leaf closes one subtree per trailing 1 bit of its index: merge it with the frontier's tail.
    while (index % 2 === 1) {
      hash = nodeHash(this.frontier.pop()!, hash);
      index = (index - 1) / 2;
      level += 1;
      completed?.({ level, index, hash });
    }
    this.frontier.push(hash);
    this.size += 1;
  }

  /** MTH(D[treeSize]): the frontier folded from the right (its first piece is D[0:k], the rest D[k:n]). */
  rootHash(): Hash {
    if (this.frontier.length === 0) return EMPTY_ROOT_HASH;
    let root = this.frontier[this.frontier.length - 1]!;
    for (let i = this.frontier.length - 2; i >= 0; i -= 1) root = nodeHash(this.frontier[i]!, root);
    return root;
  }

  /** A copy that grows on its own (to try a batch and keep this one if storing it fails). */
  clone(): CompactRange {
    return new CompactRange(this.size, [...this.frontier]);
  }
}

/** The nodes whose hashes make up a tree of `size` leaves' frontier (its perfect subtrees, largest first). */
export function frontierOf(size: number): NodeId[] {
  return size === 0 ? [] : perfectSubtrees({ start: 0, end: size });
}
