/**
 * The audit SQLite file (`DATA_DIR/audit.sqlite`): the Merkle tree over every event (RFC 9162
 * section 2.1.1, nodes kept in post-order, see node-position.ts, 64 to a row) and the signed tree heads
 * (section 4.10 in spirit, see ../tree-heads). It is deliberately not the event store's file: an
 * event store cut short, or rewritten, no longer matches the leaves and tree heads kept here.
 * WAL with `synchronous=FULL`, as the event store: a tree head is served only once it is on disk
 * (the node store relaxes this for its own connection: see sqlite-merkle-tree-store.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export const AUDIT_STORE_FILE = 'audit.sqlite';

const SCHEMA_VERSION = 2;

/** The audit file is older than this code (its writer, the worker, has not opened it yet) or missing. */
export class AuditStoreNotReady extends Error {
  override readonly name = 'AuditStoreNotReady';
}

/**
 * Opens (creating it and its schema if new, migrating an older one) the audit file; each store
 * holds its own connection. `readonly` (the api) opens an existing, current file without writing
 * to it, or throws `AuditStoreNotReady`.
 */
export function openAuditDatabase(file: string, options: { readonly readonly?: boolean } = {}): Database.Database {
  if (options.readonly) {
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new AuditStoreNotReady(`${file} cannot be opened yet: ${(error as Error).message}`);
    }
    db.pragma('busy_timeout = 10000');
    if ((db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) {
      db.close();
      throw new AuditStoreNotReady(`${file} has not been brought to schema ${SCHEMA_VERSION} by the worker yet`);
    }
    return db;
  }
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= SCHEMA_VERSION) return;
    if (version < 1)
      db.exec(`
      -- Every leaf hash and completed subtree hash in post-order, 64 to a row: row number c holds the
      -- 32-byte hashes of positions 64c onwards, one after another (the last row may be short).
      CREATE TABLE IF NOT EXISTS merkle_node_chunks (chunk INTEGER PRIMARY KEY, hashes BLOB NOT NULL);
      -- How many leaves the tree has (one row), moved in the same transaction as the nodes.
      CREATE TABLE IF NOT EXISTS merkle_tree (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1), tree_size INTEGER NOT NULL
      );
      INSERT OR IGNORE INTO merkle_tree (singleton, tree_size) VALUES (1, 0);
      CREATE TABLE IF NOT EXISTS tree_heads (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        tree_size INTEGER NOT NULL,
        root_hash BLOB NOT NULL,
        timestamp INTEGER NOT NULL,
        key_id BLOB NOT NULL,
        signature BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS tree_heads_by_size ON tree_heads (tree_size);
      -- The public key of each key that signed a head here (a convenience: auditors pin theirs).
      CREATE TABLE IF NOT EXISTS signing_keys (key_id BLOB PRIMARY KEY, public_key BLOB NOT NULL) WITHOUT ROWID;
    `);
    if (version < 2) {
      db.exec(`
        -- The tree builder's checkpoint: the $all position ("commit/prepare") of the last leaf,
        -- moved with tree_size in the same transaction as the nodes. NULL while the tree is empty.
        ALTER TABLE merkle_tree ADD COLUMN last_position TEXT;
        -- Which leaf each event is (by stream and revision), written with its nodes: the proof route's index.
        CREATE TABLE IF NOT EXISTS merkle_leaves (
          stream TEXT NOT NULL, revision INTEGER NOT NULL, leaf_index INTEGER NOT NULL,
          PRIMARY KEY (stream, revision)
        ) WITHOUT ROWID;
      `);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
  return db;
}
