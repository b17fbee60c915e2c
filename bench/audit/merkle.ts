// npm run bench:merkle
//
// The audit Merkle tree (libs/audit, RFC 9162 section 2.1) at BENCH_LEAVES (1,000,000) leaves, each
// leaf a synthetic event of about BENCH_EVENT_BYTES (600) bytes as stored. Prints, in one run:
//   baseline   raw SHA-256 of the same bytes (what hashing the events costs at the least);
//   leaf hash  RFC 9162 leaf hashes of them (HASH(0x00 || event));
//   builder    leaf hash + the incremental builder (compact range: one node hash per leaf, amortised);
//   + store    leaf hash + builder + the SQLite node store (DATA_DIR/audit.sqlite's schema, WAL,
//              synchronous=NORMAL as the store sets it), appended in batches of BENCH_BATCH (1000)
//              leaves, one transaction each;
// each in leaves/s and as a share of the baseline (the mean of a baseline run first and one last); then, on the 1M-leaf store, the time to build
// and to verify inclusion proofs (random leaf, random tree size) and consistency proofs (random
// sizes), median and p99 over BENCH_PROOFS (2000), with the nodes each one read.
import { hash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_STORE_FILE,
  CompactRange,
  type Hash,
  MerkleLog,
  type MerkleTreeStore,
  SqliteMerkleTreeStore,
  leafHash,
  verifyConsistency,
  verifyInclusion,
} from '../../libs/audit/src';
import { seededRandom } from '../../libs/audit/src/merkle/testing/test-tree';

const LEAVES = Number(process.env.BENCH_LEAVES ?? 1_000_000);
const EVENT_BYTES = Number(process.env.BENCH_EVENT_BYTES ?? 600);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const PROOFS = Number(process.env.BENCH_PROOFS ?? 2000);

/** Event i's bytes: a fixed JSON-like body with the index written in, so every leaf differs. */
const body = Buffer.from(
  JSON.stringify({
    type: 'ReasonableGroundsDecisionMade',
    data: { outcome: 'positive', decidedOn: '2026-03-02', note: 'x'.repeat(EVENT_BYTES) },
    metadata: { actor: { user: 'u-123', role: 'caseworker', agency: 'police' }, schemaVersion: 1 },
  }).slice(0, EVENT_BYTES),
);
function eventBytes(i: number): Buffer {
  body.writeUInt32BE(i >>> 0, 0);
  return body;
}

function perSecond(count: number, started: number): number {
  return count / ((performance.now() - started) / 1000);
}

function timeLeaves(label: string, run: () => void): { label: string; rate: number } {
  const started = performance.now();
  run();
  return { label, rate: perSecond(LEAVES, started) };
}

class CountingStore implements MerkleTreeStore {
  reads = 0;
  constructor(private readonly inner: SqliteMerkleTreeStore) {}
  readonly description = 'counting';
  treeSize = () => this.inner.treeSize();
  appendNodes: MerkleTreeStore['appendNodes'] = (...args) => this.inner.appendNodes(...args);
  readNodes: MerkleTreeStore['readNodes'] = (ids) => {
    this.reads += ids.length;
    return this.inner.readNodes(ids);
  };
  close = () => this.inner.close();
}

function quantiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(1)} µs, p99 ${at(0.99).toFixed(1)} µs`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'marac-bench-merkle-'));
  const file = join(dir, AUDIT_STORE_FILE);
  try {
    console.log(`${LEAVES.toLocaleString('en')} leaves of ${body.length} bytes; store batches of ${BATCH}\n`);
    let sink = 0;
    const rows = [
      timeLeaves('baseline: SHA-256 of the event bytes', () => {
        for (let i = 0; i < LEAVES; i += 1) sink ^= hash('sha256', eventBytes(i), 'buffer')[0]!;
      }),
      timeLeaves('leaf hash (0x00 prefix)', () => {
        for (let i = 0; i < LEAVES; i += 1) sink ^= leafHash(eventBytes(i))[0]!;
      }),
      timeLeaves('leaf hash + builder', () => {
        const tree = CompactRange.empty();
        for (let i = 0; i < LEAVES; i += 1) tree.append(leafHash(eventBytes(i)));
        sink ^= tree.rootHash()[0]!;
      }),
    ];
    const store = new CountingStore(new SqliteMerkleTreeStore(file));
    const log = await MerkleLog.open(store);
    const started = performance.now();
    for (let from = 0; from < LEAVES; from += BATCH) {
      const batch: Hash[] = [];
      for (let i = from; i < Math.min(LEAVES, from + BATCH); i += 1) batch.push(leafHash(eventBytes(i)));
      await log.append(batch);
    }
    rows.push({ label: 'leaf hash + builder + SQLite store', rate: perSecond(LEAVES, started) });
    // The baseline again, last: on a shared machine the two show how much the figures wander.
    rows.push(
      timeLeaves('baseline again', () => {
        for (let i = 0; i < LEAVES; i += 1) sink ^= hash('sha256', eventBytes(i), 'buffer')[0]!;
      }),
    );
    const baseline = (rows[0]!.rate + rows[rows.length - 1]!.rate) / 2;
    for (const { label, rate } of rows) {
      console.log(
        `${label.padEnd(40)} ${Math.round(rate).toLocaleString('en').padStart(11)} leaves/s  ${((100 * rate) / baseline).toFixed(0).padStart(4)}%`,
      );
    }
    const size = statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    console.log(`\naudit file at ${LEAVES.toLocaleString('en')} leaves: ${(size / 2 ** 20).toFixed(0)} MiB`);

    const random = seededRandom(9162);
    const pick = (below: number) => Math.floor(random() * below);
    const build: Record<'inclusion' | 'consistency', number[]> = { inclusion: [], consistency: [] };
    const check: Record<'inclusion' | 'consistency', number[]> = { inclusion: [], consistency: [] };
    let maxReads = 0;
    const roots = new Map<number, Hash>();
    const rootAt = async (treeSize: number) =>
      roots.get(treeSize) ?? roots.set(treeSize, await log.rootHashAt(treeSize)).get(treeSize)!;
    for (let round = 0; round < PROOFS; round += 1) {
      const treeSize = round % 2 === 0 ? LEAVES : 1 + pick(LEAVES);
      const leafIndex = pick(treeSize);
      const [leaf, rootHash] = [await log.leafHash(leafIndex), await rootAt(treeSize)];
      store.reads = 0;
      let t = performance.now();
      const inclusionPath = await log.inclusionProof(leafIndex, treeSize);
      build.inclusion.push((performance.now() - t) * 1000);
      maxReads = Math.max(maxReads, store.reads);
      t = performance.now();
      if (!verifyInclusion({ leafIndex, treeSize, leafHash: leaf, inclusionPath, rootHash }))
        throw new Error('inclusion');
      check.inclusion.push((performance.now() - t) * 1000);

      const first = 1 + pick(treeSize);
      const firstHash = await rootAt(first);
      store.reads = 0;
      t = performance.now();
      const consistencyPath = await log.consistencyProof(first, treeSize);
      build.consistency.push((performance.now() - t) * 1000);
      maxReads = Math.max(maxReads, store.reads);
      t = performance.now();
      if (!verifyConsistency({ first, second: treeSize, firstHash, secondHash: rootHash, consistencyPath })) {
        throw new Error('consistency');
      }
      check.consistency.push((performance.now() - t) * 1000);
      roots.clear();
    }
    console.log(
      `\nproofs at ${LEAVES.toLocaleString('en')} leaves (${PROOFS} each; at most ${maxReads} nodes read for one):`,
    );
    console.log(`  inclusion proof     build ${quantiles(build.inclusion)}; verify ${quantiles(check.inclusion)}`);
    console.log(`  consistency proof   build ${quantiles(build.consistency)}; verify ${quantiles(check.consistency)}`);
    await log.rootHashAt(LEAVES - 1);
    await store.close();
    if (sink === 256) console.log(''); // keeps the hashing loops from being optimised away
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
