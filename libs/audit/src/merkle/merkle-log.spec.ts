/** The Merkle log over its SQLite store: roots and proofs (RFC 9162 sections 2.1.1, 2.1.3.1, 2.1.4.1) for every earlier size. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AUDIT_STORE_FILE } from './audit-database';
import { type Hash } from './hashing';
import { MerkleLog } from './merkle-log';
import { consistencyProofRanges, inclusionPathRanges, merkleTreeHash } from './merkle-tree-hash';
import { MerkleNodeMissing, MerkleTreeConflict, type MerkleTreeStore } from './merkle-tree-store.port';
import { MerkleStoreDamaged, SqliteMerkleTreeStore } from './sqlite-merkle-tree-store';
import { seededRandom, syntheticLeafHashes } from './testing/test-tree';
import { type LeafRange, type NodeId } from './tree-shape';
import { verifyConsistency } from './verify-consistency';
import { verifyInclusion } from './verify-inclusion';

const hex = (hashes: readonly Hash[]) => hashes.map((hash) => hash.toString('hex')).join(' ');

/** The store, counting the nodes each proof reads. */
class CountingStore implements MerkleTreeStore {
  reads = 0;
  constructor(private readonly inner: MerkleTreeStore) {}
  get description() {
    return this.inner.description;
  }
  treeSize() {
    return this.inner.treeSize();
  }
  appendNodes(...args: Parameters<MerkleTreeStore['appendNodes']>) {
    return this.inner.appendNodes(...args);
  }
  readNodes(ids: readonly NodeId[]) {
    this.reads += ids.length;
    return this.inner.readNodes(ids);
  }
  close() {
    return this.inner.close();
  }
}

describe('MerkleLog over the SQLite store', () => {
  let dir: string;
  let file: string;
  const opened: MerkleTreeStore[] = [];
  const open = () => {
    const store = new SqliteMerkleTreeStore(file);
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'merkle-log-'));
    file = join(dir, AUDIT_STORE_FILE);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('appended in random batches, gives for every earlier size the root and proofs the RFC definitions give', async () => {
    const leaves = syntheticLeafHashes(150);
    const log = await MerkleLog.open(open());
    const random = seededRandom(9162);
    for (let next = 0; next < leaves.length;) {
      const batch = leaves.slice(next, next + 1 + Math.floor(random() * 12));
      await log.append(batch);
      next += batch.length;
      expect(log.rootHash()).toEqual(merkleTreeHash(leaves.slice(0, next)));
    }
    // PATH and PROOF as the RFC defines them (merkle-tree-hash.ts), each range's MTH computed once.
    const known = new Map<string, Hash>();
    const mth = ({ start, end }: LeafRange) =>
      known.get(`${start}-${end}`) ??
      known.set(`${start}-${end}`, merkleTreeHash(leaves.slice(start, end))).get(`${start}-${end}`)!;
    for (let size = 1; size <= leaves.length; size += 1) {
      expect(await log.rootHashAt(size)).toEqual(mth({ start: 0, end: size }));
      for (let index = 0; index < size; index += 1) {
        expect(hex(await log.inclusionProof(index, size))).toBe(hex(inclusionPathRanges(index, size).map(mth)));
      }
      for (let first = 1; first <= size; first += 1) {
        expect(hex(await log.consistencyProof(first, size))).toBe(hex(consistencyProofRanges(first, size).map(mth)));
      }
    }
    expect(await log.rootHashAt(0)).toEqual(merkleTreeHash([]));
    expect(await log.leafHash(42)).toEqual(leaves[42]);
  });

  it('carries on after a restart from what the file holds', async () => {
    const leaves = syntheticLeafHashes(77);
    const first = await MerkleLog.open(open());
    await first.append(leaves.slice(0, 50));
    const reopened = await MerkleLog.open(open());
    expect(reopened.treeSize).toBe(50);
    expect(reopened.rootHash()).toEqual(first.rootHash());
    await reopened.append(leaves.slice(50));
    expect(reopened.rootHash()).toEqual(merkleTreeHash(leaves));
  });

  it('reads O(log n) nodes for a proof in a tree of 5,000 leaves, not O(n)', async () => {
    const store = new CountingStore(open());
    const log = await MerkleLog.open(store);
    await log.append(syntheticLeafHashes(5000));
    const leaves = syntheticLeafHashes(5000);
    for (const [index, size] of [
      [0, 5000],
      [4999, 5000],
      [1234, 4321],
      [2047, 2049],
    ] as const) {
      store.reads = 0;
      const proof = await log.inclusionProof(index, size);
      expect(
        verifyInclusion({
          leafIndex: index,
          treeSize: size,
          leafHash: leaves[index]!,
          inclusionPath: proof,
          rootHash: await log.rootHashAt(size),
        }),
      ).toBe(true);
      expect(store.reads).toBeLessThanOrEqual(2 * 13);
    }
    for (const [first, second] of [
      [1, 5000],
      [3000, 5000],
      [4095, 4097],
      [17, 18],
    ] as const) {
      store.reads = 0;
      const proof = await log.consistencyProof(first, second);
      expect(store.reads).toBeLessThanOrEqual(2 * 13);
      expect(
        verifyConsistency({
          first,
          second,
          firstHash: await log.rootHashAt(first),
          secondHash: await log.rootHashAt(second),
          consistencyPath: proof,
        }),
      ).toBe(true);
    }
  });

  it('refuses a second writer that has not seen the first one’s leaves, and stays as it was', async () => {
    const leaves = syntheticLeafHashes(10);
    const one = await MerkleLog.open(open());
    const two = await MerkleLog.open(open());
    await one.append(leaves.slice(0, 4));
    await expect(two.append(leaves.slice(4))).rejects.toThrow(MerkleTreeConflict);
    expect(two.treeSize).toBe(0);
    expect((await MerkleLog.open(open())).rootHash()).toEqual(merkleTreeHash(leaves.slice(0, 4)));
  });

  it('says which node is missing when the file lost its last node, instead of proving from what is left', async () => {
    const log = await MerkleLog.open(open());
    await log.append(syntheticLeafHashes(100));
    const db = new Database(file);
    db.prepare(
      'UPDATE merkle_node_chunks SET hashes = substr(hashes, 1, length(hashes) - 32) WHERE chunk = (SELECT MAX(chunk) FROM merkle_node_chunks)',
    ).run();
    db.close();
    await expect(MerkleLog.open(open())).rejects.toThrow(MerkleNodeMissing);
    await expect(log.inclusionProof(0, 100)).rejects.toThrow(MerkleNodeMissing);
    await expect(log.append(syntheticLeafHashes(1, 100))).rejects.toThrow(MerkleStoreDamaged);
    expect(await log.inclusionProof(0, 64)).toHaveLength(6);
  });

  it('refuses proofs past its size', async () => {
    const log = await MerkleLog.open(open());
    await log.append(syntheticLeafHashes(3));
    await expect(log.inclusionProof(0, 4)).rejects.toThrow(RangeError);
    await expect(log.consistencyProof(1, 4)).rejects.toThrow(RangeError);
    await expect(log.inclusionProof(3, 3)).rejects.toThrow(RangeError);
  });

  it('refuses nodes that are not the growth it is told of', async () => {
    const store = open();
    const hash: Hash = syntheticLeafHashes(1)[0]!;
    await expect(store.appendNodes(0, 1, [{ level: 0, index: 1, hash }])).rejects.toThrow(RangeError);
    await expect(store.appendNodes(0, 2, [{ level: 0, index: 0, hash }])).rejects.toThrow(RangeError);
    expect(await store.treeSize()).toBe(0);
  });
});
