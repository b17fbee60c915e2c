/** MTH, PATH and PROOF (RFC 9162 sections 2.1.1, 2.1.3.1, 2.1.4.1) against published hashes and the RFC's own example (2.1.5). */
import { EMPTY_ROOT_HASH, leafHash, nodeHash } from './hashing';
import { consistencyProof, consistencyProofRanges, inclusionPath, merkleTreeHash } from './merkle-tree-hash';
import { classicLeafInputs, classicNodeHashes, classicRootHashes } from './testing/test-tree';

const leaves = classicLeafInputs.map(leafHash);
const [level0, level1, level2] = classicNodeHashes as [Buffer[], Buffer[], Buffer[]];

describe('RFC 9162 Merkle tree hash (2.1.1)', () => {
  it('hashes each leaf as HASH(0x00 || d), as the published node hashes say', () => {
    expect(leaves).toEqual(level0);
  });

  it('gives the published root for the first n leaves of the classic tree, n = 0..8', () => {
    classicRootHashes.forEach((root, n) =>
      expect(merkleTreeHash(leaves.slice(0, n)).toString('hex')).toBe(root.toString('hex')),
    );
    expect(EMPTY_ROOT_HASH).toEqual(classicRootHashes[0]);
  });

  it('hashes an interior node as HASH(0x01 || left || right), and refuses a child that is not 32 bytes', () => {
    expect(nodeHash(level0[0]!, level0[1]!)).toEqual(level1[0]);
    expect(() => nodeHash(level0[0]!, Buffer.alloc(31))).toThrow(RangeError);
  });
});

describe('the example of RFC 9162 section 2.1.5 (seven leaves d0..d6)', () => {
  const seven = leaves.slice(0, 7);
  const [a, b, c, d, , f, j] = level0;
  const [g, h, i] = level1;
  const k = level2[0]!;
  const l = nodeHash(i!, j!);

  it('inclusion paths: d0 is [b, h, l], d3 is [c, g, l], d4 is [f, j, k], d6 is [i, k]', () => {
    expect(inclusionPath(0, seven)).toEqual([b, h, l]);
    expect(inclusionPath(3, seven)).toEqual([c, g, l]);
    expect(inclusionPath(4, seven)).toEqual([f, j, k]);
    expect(inclusionPath(6, seven)).toEqual([i, k]);
    expect(a).toEqual(leaves[0]);
  });

  it('consistency proofs: from 3 leaves [c, d, g, l], from 4 [l], from 6 [i, j, k]', () => {
    expect(consistencyProof(3, seven)).toEqual([c, d, g, l]);
    expect(consistencyProof(4, seven)).toEqual([l]);
    expect(consistencyProof(6, seven)).toEqual([i, j, k]);
  });

  it('has no consistency proof from the empty tree or to a smaller one, and an empty one to the same size', () => {
    expect(() => consistencyProofRanges(0, 7)).toThrow(RangeError);
    expect(() => consistencyProofRanges(5, 4)).toThrow(RangeError);
    expect(consistencyProof(7, seven)).toEqual([]);
  });
});
