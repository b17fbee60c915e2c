/** The audit file's schema: a file at schema 1 (before the builder's checkpoint) is migrated in place; read-only opens never write. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AuditStoreNotReady, openAuditDatabase } from './audit-database';
import { leafHash } from './hashing';
import { MerkleLog } from './merkle-log';
import { SqliteMerkleTreeStore } from './sqlite-merkle-tree-store';

describe('the audit file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'marac-audit-db-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a schema-1 tree and adds the checkpoint and leaf index to it', async () => {
    const file = join(dir, 'audit.sqlite');
    const old = new Database(file);
    old.exec(`
      CREATE TABLE merkle_node_chunks (chunk INTEGER PRIMARY KEY, hashes BLOB NOT NULL);
      CREATE TABLE merkle_tree (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), tree_size INTEGER NOT NULL);
      INSERT INTO merkle_tree (singleton, tree_size) VALUES (1, 1);
      CREATE TABLE tree_heads (id INTEGER PRIMARY KEY AUTOINCREMENT, tree_size INTEGER NOT NULL,
        root_hash BLOB NOT NULL, timestamp INTEGER NOT NULL, key_id BLOB NOT NULL, signature BLOB NOT NULL);
      CREATE TABLE signing_keys (key_id BLOB PRIMARY KEY, public_key BLOB NOT NULL) WITHOUT ROWID;
    `);
    const leaf = leafHash(Buffer.from('synthetic leaf'));
    old.prepare('INSERT INTO merkle_node_chunks (chunk, hashes) VALUES (0, ?)').run(leaf);
    old.pragma('user_version = 1');
    old.close();

    const store = new SqliteMerkleTreeStore(file);
    expect(await store.checkpoint()).toEqual({ treeSize: 1, lastPosition: undefined });
    const log = await MerkleLog.open(store);
    expect(await log.leafHash(0)).toEqual(leaf);
    await log.append([leafHash(Buffer.from('next'))], {
      leaves: [{ stream: 'case-synthetic', revision: 0n }],
      lastPosition: '7/7',
    });
    expect(await store.checkpoint()).toEqual({ treeSize: 2, lastPosition: '7/7' });
    expect(await store.leafIndexOf('case-synthetic', 0n)).toBe(1);
    expect(await store.leafIndexOf('case-synthetic', 1n)).toBeUndefined();
    await store.close();
  });

  it('refuses sources that do not match the leaves, storing nothing', async () => {
    const store = new SqliteMerkleTreeStore(join(dir, 'audit.sqlite'));
    const log = await MerkleLog.open(store);
    await expect(
      log.append([leafHash(Buffer.from('a')), leafHash(Buffer.from('b'))], {
        leaves: [{ stream: 's', revision: 0n }],
        lastPosition: '1/1',
      }),
    ).rejects.toThrow(RangeError);
    expect(await store.checkpoint()).toEqual({ treeSize: 0, lastPosition: undefined });
    await store.close();
  });

  it('read-only: refuses a file that does not exist yet or is older than the code, and creates nothing', () => {
    const missing = join(dir, 'missing.sqlite');
    expect(() => openAuditDatabase(missing, { readonly: true })).toThrow(AuditStoreNotReady);
    expect(() => new SqliteMerkleTreeStore(missing, { readonly: true })).toThrow(AuditStoreNotReady);
    const older = join(dir, 'older.sqlite');
    const db = new Database(older);
    db.pragma('user_version = 1');
    db.close();
    expect(() => openAuditDatabase(older, { readonly: true })).toThrow(AuditStoreNotReady);
  });
});
