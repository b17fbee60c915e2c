/** The incremental builder and post-order positions against MTH (RFC 9162 section 2.1.1). */
import { CompactRange, type CompletedNode, frontierOf } from './compact-range';
import { leafHash } from './hashing';
import { merkleTreeHash } from './merkle-tree-hash';
import { completedNodeCount, nodePosition } from './node-position';
import { classicLeafInputs, classicNodeHashes, classicRootHashes, syntheticLeafHashes } from './testing/test-tree';
import { perfectSubtrees } from './tree-shape';

describe('CompactRange, the incremental builder', () => {
  it('gives the published root of the classic tree at every size 0..8, and completes its published nodes', () => {
    const tree = CompactRange.empty();
    const completed: CompletedNode[] = [];
    expect(tree.rootHash()).toEqual(classicRootHashes[0]);
    classicLeafInputs.forEach((input, index) => {
      tree.append(leafHash(input), (node) => completed.push(node));
      expect(tree.rootHash()).toEqual(classicRootHashes[index + 1]);
    });
    expect(completed).toHaveLength(15);
    for (const node of completed) expect(node.hash).toEqual(classicNodeHashes[node.level]![node.index]);
  });

  it('equals MTH at every size up to 300, resumed from its frontier at any size', () => {
    const leaves = syntheticLeafHashes(300);
    const tree = CompactRange.empty();
    const hashes = new Map<string, Buffer>();
    leaves.forEach((leaf, index) => {
      tree.append(leaf, (node) => hashes.set(`${node.level}/${node.index}`, node.hash));
      const size = index + 1;
      const root = merkleTreeHash(leaves.slice(0, size));
      expect(tree.rootHash()).toEqual(root);
      const frontier = frontierOf(size).map((node) => hashes.get(`${node.level}/${node.index}`)!);
      const resumed = CompactRange.resume(size, frontier);
      expect(resumed.rootHash()).toEqual(root);
    });
  });

  it('keeps only the frontier: one hash per 1 bit of the size', () => {
    expect(frontierOf(0)).toEqual([]);
    expect(frontierOf(7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(frontierOf(2 ** 40 + 3)).toHaveLength(3);
    expect(() => CompactRange.resume(7, syntheticLeafHashes(2))).toThrow(RangeError);
  });

  it('a clone grows on its own', () => {
    const tree = CompactRange.empty();
    tree.append(syntheticLeafHashes(1)[0]!);
    const clone = tree.clone();
    clone.append(syntheticLeafHashes(1, 1)[0]!);
    expect([tree.treeSize, clone.treeSize]).toEqual([1, 2]);
  });
});

describe('post-order node positions', () => {
  it('number the nodes 0, 1, 2, ... in the order a growing tree completes them', () => {
    const tree = CompactRange.empty();
    const positions: number[] = [];
    syntheticLeafHashes(1000).forEach((leaf) => tree.append(leaf, (node) => positions.push(nodePosition(node))));
    expect(positions).toEqual(positions.map((_, at) => at));
    expect(completedNodeCount(1000)).toBe(positions.length);
  });

  it('hold past 32 bits', () => {
    const size = 2 ** 40 + 5; // 0b1_0000...0101
    expect(completedNodeCount(size)).toBe(2 * size - 3);
    expect(nodePosition({ level: 40, index: 0 })).toBe(2 ** 41 - 2);
  });
});

describe('perfectSubtrees', () => {
  it('splits a range a Merkle tree hash is taken over into its perfect subtrees, largest first', () => {
    expect(perfectSubtrees({ start: 8, end: 15 })).toEqual([
      { level: 2, index: 2 },
      { level: 1, index: 6 },
      { level: 0, index: 14 },
    ]);
    expect(() => perfectSubtrees({ start: 3, end: 7 })).toThrow(RangeError);
  });
});
