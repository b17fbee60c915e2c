/** Signed tree heads kept in the audit file beside the tree, their keys, and where the signing key comes from. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_STORE_FILE } from '../merkle/audit-database';
import { leafHash } from '../merkle/hashing';
import { MerkleLog } from '../merkle/merkle-log';
import { SqliteMerkleTreeStore } from '../merkle/sqlite-merkle-tree-store';
import { syntheticLeafHashes } from '../merkle/testing/test-tree';
import { verifyConsistency } from '../merkle/verify-consistency';
import { AuditSigningKeyUnusable, DEV_AUDIT_SIGNING_KEY_FILE, loadTreeHeadSigningKey } from './development-signing-key';
import { TreeHeadSigningKey, verifyTreeHead } from './signing-key';
import { SqliteTreeHeadStore } from './sqlite-tree-head-store';
import { TreeHeadRegression } from './tree-head-store.port';

describe('signed tree heads in the audit file', () => {
  let dir: string;
  const closers: { close(): Promise<void> }[] = [];
  const heads = () => {
    const store = new SqliteTreeHeadStore(join(dir, AUDIT_STORE_FILE));
    closers.push(store);
    return store;
  };
  const clock = (minute: number) => new Date(Date.UTC(2026, 3, 4, 10, minute));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tree-heads-'));
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps heads beside the tree, and two of them are consistent by a proof from that tree', async () => {
    const key = loadTreeHeadSigningKey({ kind: 'development' }, dir);
    const merkle = new SqliteMerkleTreeStore(join(dir, AUDIT_STORE_FILE));
    closers.push(merkle);
    const log = await MerkleLog.open(merkle);
    const store = heads();
    await log.append(syntheticLeafHashes(10));
    await store.append(key.sign({ treeSize: 10, rootHash: log.rootHash() }, clock(1)), key.publicKey);
    await log.append(syntheticLeafHashes(25, 10));
    await store.append(key.sign({ treeSize: 35, rootHash: log.rootHash() }, clock(2)), key.publicKey);

    const reopened = heads();
    const [older, newer] = [(await reopened.forSize(10))!, (await reopened.latest())!];
    expect(newer.treeSize).toBe(35);
    expect(verifyTreeHead(older, (await reopened.publicKey(older.keyId))!)).toBe(true);
    expect(verifyTreeHead(newer, key.publicKey)).toBe(true);
    expect((await reopened.firstCovering(11))?.treeSize).toBe(35);
    expect(await reopened.firstCovering(36)).toBeUndefined();
    const consistencyPath = await log.consistencyProof(10, 35);
    expect(
      verifyConsistency({
        first: 10,
        second: 35,
        firstHash: older.rootHash,
        secondHash: newer.rootHash,
        consistencyPath,
      }),
    ).toBe(true);
  });

  it('refuses a head for fewer events than the latest, and keeps re-signed heads of one size in order', async () => {
    const key = TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText());
    const store = heads();
    const rootHash = leafHash(Buffer.from('root'));
    await store.append(key.sign({ treeSize: 5, rootHash }, clock(1)), key.publicKey);
    await store.append(key.sign({ treeSize: 5, rootHash }, clock(2)), key.publicKey);
    await expect(store.append(key.sign({ treeSize: 4, rootHash }, clock(3)), key.publicKey)).rejects.toThrow(
      TreeHeadRegression,
    );
    expect((await store.latest())?.timestamp).toBe(clock(2).getTime());
    expect((await store.forSize(5))?.timestamp).toBe(clock(2).getTime());
    expect(await store.forSize(4)).toBeUndefined();
  });

  it('has no head before the first is signed', async () => {
    expect(await heads().latest()).toBeUndefined();
  });
});

describe('loadTreeHeadSigningKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a development key in DATA_DIR readable by its owner only, and uses it again after', () => {
    const dataDir = join(dir, 'data');
    const first = loadTreeHeadSigningKey({ kind: 'development' }, dataDir);
    expect(statSync(join(dataDir, DEV_AUDIT_SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(loadTreeHeadSigningKey({ kind: 'development' }, dataDir).keyId).toEqual(first.keyId);
  });

  it('uses the configured key, and names the source (never the key) when it is unusable', () => {
    const text = TreeHeadSigningKey.generateText();
    expect(loadTreeHeadSigningKey({ kind: 'given', text, source: 'AUDIT_SIGNING_KEY' }, dir).keyId).toEqual(
      TreeHeadSigningKey.parse(text).keyId,
    );
    expect(() => loadTreeHeadSigningKey({ kind: 'given', text: 'nonsense', source: 'AUDIT_SIGNING_KEY' }, dir)).toThrow(
      /^AUDIT_SIGNING_KEY: /,
    );
    writeFileSync(join(dir, DEV_AUDIT_SIGNING_KEY_FILE), 'damaged');
    expect(() => loadTreeHeadSigningKey({ kind: 'development' }, dir)).toThrow(AuditSigningKeyUnusable);
    expect(() => loadTreeHeadSigningKey({ kind: 'development' }, dir)).toThrow(DEV_AUDIT_SIGNING_KEY_FILE);
  });
});
