/**
 * The append-only Merkle log over every event: the incremental builder (compact-range.ts) for the
 * current root, over a `MerkleTreeStore` that keeps what later proofs need. Proofs for any earlier
 * size, RFC 9162 PATH (2.1.3.1) and PROOF (2.1.4.1), read each proof element's few perfect
 * subtrees (O(log n) reads in all), never the leaves. One writer at a time: the worker appends
 * batch after batch, and a second writer shows up as `MerkleTreeConflict`.
 */
import { CompactRange, type CompletedNode, frontierOf } from './compact-range';
import { EMPTY_ROOT_HASH, type Hash, nodeHash } from './hashing';
import { consistencyProofRanges, inclusionPathRanges } from './merkle-tree-hash';
import { type LeafSources, type MerkleTreeStore } from './merkle-tree-store.port';
import { type LeafRange, isTreeSize, perfectSubtrees } from './tree-shape';

export class MerkleLog {
  private constructor(
    private readonly store: MerkleTreeStore,
    private tree: CompactRange,
  ) {}

  /** The log as stored: its size, and its frontier read back (O(log n) reads). */
  static async open(store: MerkleTreeStore): Promise<MerkleLog> {
    const size = await store.treeSize();
    return new MerkleLog(store, CompactRange.resume(size, await store.readNodes(frontierOf(size))));
  }

  get treeSize(): number {
    return this.tree.treeSize;
  }

  /** MTH of every leaf so far. */
  rootHash(): Hash {
    return this.tree.rootHash();
  }

  /**
   * Appends these leaves (in `$all` order), stored all or none; the log is unchanged if storing
   * fails. `sources` (one per leaf, and the last one's position) are stored with them.
   */
  async append(leafHashes: readonly Hash[], sources?: LeafSources): Promise<void> {
    if (leafHashes.length === 0) return;
    if (sources && sources.leaves.length !== leafHashes.length) {
      throw new RangeError(`${leafHashes.length} leaves but ${sources.leaves.length} sources`);
    }
    const grown = this.tree.clone();
    const completed: CompletedNode[] = [];
    const keep = (node: CompletedNode) => completed.push(node);
    for (const leafHash of leafHashes) grown.append(leafHash, keep);
    await this.store.appendNodes(this.tree.treeSize, grown.treeSize, completed, sources);
    this.tree = grown;
  }

  /** The stored hash of leaf `leafIndex`. */
  async leafHash(leafIndex: number): Promise<Hash> {
    this.assertWithin(leafIndex + 1);
    const [hash] = await this.store.readNodes([{ level: 0, index: leafIndex }]);
    return hash!;
  }

  /** MTH(D[treeSize]) for any size up to the current one. */
  async rootHashAt(treeSize: number): Promise<Hash> {
    this.assertWithin(treeSize);
    if (treeSize === this.treeSize) return this.rootHash();
    if (treeSize === 0) return EMPTY_ROOT_HASH;
    const [root] = await this.hashesOf([{ start: 0, end: treeSize }]);
    return root!;
  }

  /** PATH(leafIndex, D[treeSize]). */
  async inclusionProof(leafIndex: number, treeSize: number): Promise<Hash[]> {
    this.assertWithin(treeSize);
    return this.hashesOf(inclusionPathRanges(leafIndex, treeSize));
  }

  /** PROOF(first, D[second]) for 0 < first <= second. */
  async consistencyProof(first: number, second: number): Promise<Hash[]> {
    this.assertWithin(second);
    return this.hashesOf(consistencyProofRanges(first, second));
  }

  /** MTH of each range, from its perfect subtrees' stored hashes, all read in one go. */
  private async hashesOf(ranges: readonly LeafRange[]): Promise<Hash[]> {
    const pieces = ranges.map(perfectSubtrees);
    const hashes = await this.store.readNodes(pieces.flat());
    let next = 0;
    return pieces.map((range) => {
      const mine = hashes.slice(next, (next += range.length));
      return mine.reduceRight((right, left) => nodeHash(left, right));
    });
  }

  private assertWithin(treeSize: number): void {
    if (!isTreeSize(treeSize) || treeSize > this.treeSize) {
      throw new RangeError(`the log has ${this.treeSize} leaves, not ${treeSize}`);
    }
  }
}
