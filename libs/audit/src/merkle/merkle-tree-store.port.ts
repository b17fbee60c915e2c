/**
 * The port for keeping a Merkle tree (RFC 9162 section 2.1.1) so that proofs for any earlier size
 * (2.1.3.1, 2.1.4.1) cost O(log n) reads: every leaf hash and the hash of every completed perfect
 * subtree, written once (they never change while the log only grows), addressed by `NodeId`.
 */
import { type Hash } from './hashing';
import { type CompletedNode } from './compact-range';
import { type NodeId } from './tree-shape';

export interface MerkleTreeStore {
  /** Where the tree is kept, for messages (a path, never a secret). */
  readonly description: string;
  /** How many leaves the stored tree has. */
  treeSize(): Promise<number>;
  /**
   * Stores the leaves and nodes that growing the tree from `fromSize` to `toSize` leaves completed,
   * in the order the builder completed them (`CompactRange.append`), all or nothing. Refuses with
   * `MerkleTreeConflict` when the stored tree does not have `fromSize` leaves (another writer, or a
   * write that was lost), and with a `RangeError` when `nodes` are not exactly those of the growth.
   * `sources`, when given, says where the new leaves came from (one per leaf, and the checkpoint),
   * kept in the same transaction as the nodes.
   */
  appendNodes(fromSize: number, toSize: number, nodes: readonly CompletedNode[], sources?: LeafSources): Promise<void>;
  /** The hashes of these stored nodes, in order; `MerkleNodeMissing` for one that is not stored. */
  readNodes(ids: readonly NodeId[]): Promise<Hash[]>;
  close(): Promise<void>;
}

/** An event a leaf was made from: its stream and revision (unique in the store). */
export interface LeafSource {
  readonly stream: string;
  readonly revision: bigint;
}

/** Where a growth's leaves came from, kept with its nodes so the tree is its own checkpoint. */
export interface LeafSources {
  /** One per new leaf, in leaf order: leaf `fromSize + i` is `leaves[i]`. */
  readonly leaves: readonly LeafSource[];
  /** The `$all` position of the last new leaf's event ("commit/prepare", `formatPosition`). */
  readonly lastPosition: string;
}

/** The stored tree does not have the size the writer expected: re-open it and carry on from there. */
export class MerkleTreeConflict extends Error {
  override readonly name = 'MerkleTreeConflict';
  constructor(
    readonly expectedSize: number,
    readonly storedSize: number,
  ) {
    super(`the Merkle tree store has ${storedSize} leaves, the writer expected ${expectedSize}`);
  }
}

/** A node the stored tree's size says must be there is not: the store was damaged or cut short. */
export class MerkleNodeMissing extends Error {
  override readonly name = 'MerkleNodeMissing';
  constructor(readonly node: NodeId) {
    super(`the Merkle tree store has no hash for the subtree at level ${node.level}, index ${node.index}`);
  }
}
