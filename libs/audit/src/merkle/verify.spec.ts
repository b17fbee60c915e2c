/** Proof verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2): published probes, then every proof of trees up to 64 leaves. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Hash, leafHash } from './hashing';
import { consistencyProof, inclusionPath, merkleTreeHash } from './merkle-tree-hash';
import { seededRandom, syntheticLeafHashes, withFlippedBit } from './testing/test-tree';
import { verifyConsistency } from './verify-consistency';
import { verifyInclusion } from './verify-inclusion';

type Base64 = string;
interface InclusionProbe {
  leafIdx: number | string;
  treeSize: number | string;
  root: Base64;
  leafHash: Base64;
  proof: Base64[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyProbe {
  size1: number | string;
  size2: number | string;
  root1: Base64;
  root2: Base64;
  proof: Base64[] | null;
  desc: string;
  wantErr: boolean;
}
const probes = JSON.parse(readFileSync(join(__dirname, 'testdata/transparency-dev-probes.json'), 'utf8')) as {
  inclusion: Record<string, InclusionProbe>;
  consistency: Record<string, ConsistencyProbe>;
};
const b64 = (text: Base64): Hash => Buffer.from(text, 'base64');

/**
 * We refuse any hash that is not 32 bytes; transparency-dev/merkle compares equal-size roots as
 * given, so this one probe (two equal 12-byte "roots") it accepts, we do not.
 */
const STRICTER_THAN_TRANSPARENCY_DEV = new Set(['additional/sizes-are-equal-one-and-proof-is-empty']);

describe('verification against the transparency-dev/merkle test probes', () => {
  it.each(Object.entries(probes.inclusion))('inclusion %s', (_name, probe) => {
    const verified = verifyInclusion({
      leafIndex: Number(probe.leafIdx),
      treeSize: Number(probe.treeSize),
      leafHash: b64(probe.leafHash),
      inclusionPath: (probe.proof ?? []).map(b64),
      rootHash: b64(probe.root),
    });
    expect(verified).toBe(!probe.wantErr);
  });

  it.each(Object.entries(probes.consistency))('consistency %s', (name, probe) => {
    const verified = verifyConsistency({
      first: Number(probe.size1),
      second: Number(probe.size2),
      firstHash: b64(probe.root1),
      secondHash: b64(probe.root2),
      consistencyPath: (probe.proof ?? []).map(b64),
    });
    expect(verified).toBe(!probe.wantErr && !STRICTER_THAN_TRANSPARENCY_DEV.has(name));
  });

  it('has every happy path among them, so the probes cannot all pass by failing', () => {
    const happy = [...Object.values(probes.inclusion), ...Object.values(probes.consistency)].filter((p) => !p.wantErr);
    expect(happy.length).toBeGreaterThanOrEqual(10);
  });
});

describe('inclusion proofs, every leaf of every tree of 1..64 leaves', () => {
  const leaves = syntheticLeafHashes(128);
  const roots = Array.from({ length: 129 }, (_, n) => merkleTreeHash(leaves.slice(0, n)));

  it('verify, and fail with a wrong index, a wrong size, a changed byte, a changed root or leaf, a dropped or extra hash', () => {
    let checked = 0;
    for (let size = 1; size <= 64; size += 1) {
      const tree = leaves.slice(0, size);
      const rootHash = roots[size]!;
      for (let leafIndex = 0; leafIndex < size; leafIndex += 1) {
        const claim = {
          leafIndex,
          treeSize: size,
          leafHash: tree[leafIndex]!,
          inclusionPath: inclusionPath(leafIndex, tree),
          rootHash,
        };
        expect(verifyInclusion(claim)).toBe(true);
        for (const otherIndex of [leafIndex - 1, leafIndex + 1, leafIndex ^ 1, size]) {
          if (otherIndex !== leafIndex) expect(verifyInclusion({ ...claim, leafIndex: otherIndex })).toBe(false);
        }
        // A tree head binds a size to its root, so a wrong size comes with that size's root. (With the
        // right root, a size whose path has the same shape verifies too: RFC 9162 reads the size only
        // for the shape, which is why a proof is only ever checked against a signed tree head.)
        for (const otherSize of [size - 1, size + 1, size * 2]) {
          expect(verifyInclusion({ ...claim, treeSize: otherSize, rootHash: roots[otherSize]! })).toBe(false);
        }
        claim.inclusionPath.forEach((_, position) => {
          const changed = claim.inclusionPath.map((hash, at) =>
            at === position ? withFlippedBit(hash, leafIndex + position) : hash,
          );
          expect(verifyInclusion({ ...claim, inclusionPath: changed })).toBe(false);
        });
        expect(verifyInclusion({ ...claim, leafHash: withFlippedBit(claim.leafHash, 31, 7) })).toBe(false);
        expect(verifyInclusion({ ...claim, rootHash: withFlippedBit(rootHash, 0) })).toBe(false);
        expect(verifyInclusion({ ...claim, inclusionPath: [...claim.inclusionPath, rootHash] })).toBe(false);
        if (claim.inclusionPath.length > 0) {
          expect(verifyInclusion({ ...claim, inclusionPath: claim.inclusionPath.slice(1) })).toBe(false);
        }
        checked += 1;
      }
    }
    expect(checked).toBe((64 * 65) / 2);
  });

  it('does not prove a leaf that is not in the tree', () => {
    const tree = leaves.slice(0, 20);
    const stranger = leafHash(Buffer.from('an event that was never appended'));
    expect(
      verifyInclusion({
        leafIndex: 3,
        treeSize: 20,
        leafHash: stranger,
        inclusionPath: inclusionPath(3, tree),
        rootHash: merkleTreeHash(tree),
      }),
    ).toBe(false);
  });
});

describe('consistency proofs, every 1 <= m <= n <= 64', () => {
  const leaves = syntheticLeafHashes(65);
  const roots = Array.from({ length: 66 }, (_, n) => merkleTreeHash(leaves.slice(0, n)));

  it('verify, and fail with a changed byte, swapped or wrong roots, wrong sizes, a dropped hash', () => {
    for (let second = 1; second <= 64; second += 1) {
      for (let first = 1; first <= second; first += 1) {
        const claim = {
          first,
          second,
          firstHash: roots[first]!,
          secondHash: roots[second]!,
          consistencyPath: consistencyProof(first, leaves.slice(0, second)),
        };
        expect(verifyConsistency(claim)).toBe(true);
        claim.consistencyPath.forEach((_, position) => {
          const changed = claim.consistencyPath.map((hash, at) =>
            at === position ? withFlippedBit(hash, first + second) : hash,
          );
          expect(verifyConsistency({ ...claim, consistencyPath: changed })).toBe(false);
        });
        expect(verifyConsistency({ ...claim, firstHash: withFlippedBit(claim.firstHash, 5) })).toBe(false);
        expect(verifyConsistency({ ...claim, secondHash: withFlippedBit(claim.secondHash, 6) })).toBe(false);
        if (first !== second) {
          expect(verifyConsistency({ ...claim, firstHash: claim.secondHash, secondHash: claim.firstHash })).toBe(false);
          expect(verifyConsistency({ ...claim, second: second + 1, secondHash: roots[second + 1]! })).toBe(false);
          if (first > 1)
            expect(verifyConsistency({ ...claim, first: first - 1, firstHash: roots[first - 1]! })).toBe(false);
          expect(verifyConsistency({ ...claim, first: first + 1, firstHash: roots[first + 1]! })).toBe(false);
          expect(verifyConsistency({ ...claim, consistencyPath: claim.consistencyPath.slice(0, -1) })).toBe(false);
        }
      }
    }
  });

  it('fails when the first tree was rewritten: one earlier leaf changed, removed or reordered', () => {
    const random = seededRandom(16);
    for (let round = 0; round < 200; round += 1) {
      const second = 2 + Math.floor(random() * 63);
      const first = 1 + Math.floor(random() * (second - 1));
      const victim = Math.floor(random() * first);
      const rewrites = [
        leaves.map((leaf, at) => (at === victim ? withFlippedBit(leaf, round) : leaf)),
        [...leaves.slice(0, victim), ...leaves.slice(victim + 1)],
        victim + 1 < first
          ? [...leaves.slice(0, victim), leaves[victim + 1]!, leaves[victim]!, ...leaves.slice(victim + 2)]
          : undefined,
      ];
      for (const rewritten of rewrites) {
        if (!rewritten) continue;
        const consistencyPath = consistencyProof(first, rewritten.slice(0, second));
        const claim = {
          first,
          second,
          firstHash: roots[first]!,
          secondHash: merkleTreeHash(rewritten.slice(0, second)),
          consistencyPath,
        };
        expect(verifyConsistency(claim)).toBe(false);
      }
    }
  });

  it('refuses sizes past 2^53 and hashes that are not 32 bytes rather than guess', () => {
    const claim = {
      first: 2,
      second: 5,
      firstHash: roots[2]!,
      secondHash: roots[5]!,
      consistencyPath: consistencyProof(2, leaves.slice(0, 5)),
    };
    expect(verifyConsistency({ ...claim, second: 2 ** 64 })).toBe(false);
    expect(
      verifyConsistency({ ...claim, consistencyPath: [...claim.consistencyPath.slice(0, -1), Buffer.alloc(0)] }),
    ).toBe(false);
  });
});
