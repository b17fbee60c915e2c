/**
 * The embedded `TreeHeadStore`: signed tree heads (tree-head.ts, after RFC 9162 section 4.10) in
 * the audit SQLite file, beside the Merkle tree's nodes (../merkle/audit-database.ts).
 */
import type Database from 'better-sqlite3';
import { openAuditDatabase } from '../merkle/audit-database';
import { type Hash } from '../merkle/hashing';
import { type SignedTreeHead, treeHeadProblem } from './tree-head';
import { TreeHeadRegression, type TreeHeadStore } from './tree-head-store.port';

type TreeHeadRow = { tree_size: number; root_hash: Buffer; timestamp: number; key_id: Buffer; signature: Buffer };

const COLUMNS = 'tree_size, root_hash, timestamp, key_id, signature';

export class SqliteTreeHeadStore implements TreeHeadStore {
  private readonly db: Database.Database;
  private readonly statements: {
    latest: Database.Statement<[], TreeHeadRow>;
    forSize: Database.Statement<[number], TreeHeadRow>;
    firstCovering: Database.Statement<[number], TreeHeadRow>;
    insert: Database.Statement<[number, Buffer, number, Buffer, Buffer]>;
    insertKey: Database.Statement<[Buffer, Buffer]>;
    publicKey: Database.Statement<[Buffer], Buffer>;
  };
  private readonly appendTransaction: Database.Transaction<(head: SignedTreeHead, publicKey: Buffer) => void>;

  /** `readonly` (the api): reads an existing file the worker keeps, or throws `AuditStoreNotReady`. */
  constructor(
    readonly file: string,
    options: { readonly readonly?: boolean } = {},
  ) {
    this.db = openAuditDatabase(file, options);
    const db = this.db;
    this.statements = {
      latest: db.prepare(`SELECT ${COLUMNS} FROM tree_heads ORDER BY id DESC LIMIT 1`),
      forSize: db.prepare(`SELECT ${COLUMNS} FROM tree_heads WHERE tree_size = ? ORDER BY id DESC LIMIT 1`),
      firstCovering: db.prepare(
        `SELECT ${COLUMNS} FROM tree_heads WHERE tree_size >= ? ORDER BY tree_size, id LIMIT 1`,
      ),
      insert: db.prepare(`INSERT INTO tree_heads (${COLUMNS}) VALUES (?, ?, ?, ?, ?)`),
      insertKey: db.prepare('INSERT OR IGNORE INTO signing_keys (key_id, public_key) VALUES (?, ?)'),
      publicKey: db.prepare<[Buffer], Buffer>('SELECT public_key FROM signing_keys WHERE key_id = ?').pluck(),
    };
    this.appendTransaction = db.transaction((head, publicKey) => {
      const latest = this.statements.latest.get();
      if (latest && latest.tree_size > head.treeSize) throw new TreeHeadRegression(latest.tree_size, head.treeSize);
      this.statements.insertKey.run(head.keyId, publicKey);
      this.statements.insert.run(head.treeSize, head.rootHash, head.timestamp, head.keyId, head.signature);
    });
  }

  async append(head: SignedTreeHead, publicKey: Buffer): Promise<void> {
    const problem = treeHeadProblem(head);
    if (problem) throw new RangeError(`not a tree head: ${problem}`);
    this.appendTransaction.immediate(head, publicKey);
  }

  async latest(): Promise<SignedTreeHead | undefined> {
    return fromRow(this.statements.latest.get());
  }

  async forSize(treeSize: number): Promise<SignedTreeHead | undefined> {
    return fromRow(this.statements.forSize.get(treeSize));
  }

  async firstCovering(treeSize: number): Promise<SignedTreeHead | undefined> {
    return fromRow(this.statements.firstCovering.get(treeSize));
  }

  async publicKey(keyId: Hash): Promise<Buffer | undefined> {
    return this.statements.publicKey.get(keyId);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function fromRow(row: TreeHeadRow | undefined): SignedTreeHead | undefined {
  return (
    row && {
      treeSize: row.tree_size,
      rootHash: row.root_hash,
      timestamp: row.timestamp,
      keyId: row.key_id,
      signature: row.signature,
    }
  );
}
