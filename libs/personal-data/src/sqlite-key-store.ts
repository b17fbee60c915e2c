import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SubjectErased, type DestroyedDataKey, type KeyStore, type WrappedDataKey } from './key-store.port';

type KeyRow = { key_id: string; subject: string; wrapped: Buffer; kek_id: string };
type DestroyedRow = { key_id: string; subject: string; destroyed_at: number };

interface PendingCreate {
  readonly key: WrappedDataKey;
  readonly resolve: (key: WrappedDataKey) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The embedded key store: its own SQLite file (never the event log's), WAL with `synchronous=FULL`
 * so a key is on disk before anything is sealed with it, and `secure_delete` so a deleted key's
 * bytes are overwritten with zeros; after a deletion the WAL is checkpointed and truncated, so no
 * old page holding the key stays in either file. Creations arriving together are committed in one
 * transaction (one fsync for many new cases), as the event store does with appends.
 */
export class SqliteKeyStore implements KeyStore {
  readonly description: string;
  private readonly db: Database.Database;
  private pending: PendingCreate[] = [];
  private flushScheduled = false;
  private readonly statements: {
    insert: Database.Statement;
    bySubject: Database.Statement<[string]>;
    byId: Database.Statement<[string]>;
    destroyedBySubject: Database.Statement<[string]>;
    destroyedById: Database.Statement<[string]>;
    remove: Database.Statement<[string]>;
    remember: Database.Statement<[string, string, number]>;
    rewrap: Database.Statement<[Buffer, string, string]>;
    getMeta: Database.Statement<[string]>;
    setMeta: Database.Statement<[string, string]>;
  };
  private readonly createBatch: Database.Transaction<(batch: PendingCreate[]) => (WrappedDataKey | Error)[]>;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.description = `embedded SQLite key store at ${file}`;
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS data_keys (
        key_id TEXT PRIMARY KEY, subject TEXT NOT NULL UNIQUE, wrapped BLOB NOT NULL, kek_id TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS destroyed_keys (
        key_id TEXT PRIMARY KEY, subject TEXT NOT NULL, destroyed_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS destroyed_by_subject ON destroyed_keys (subject);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `);
    const db = this.db;
    this.statements = {
      insert: db.prepare(
        'INSERT INTO data_keys (key_id, subject, wrapped, kek_id) VALUES (@keyId, @subject, @wrapped, @kekId) ON CONFLICT (subject) DO NOTHING',
      ),
      bySubject: db.prepare('SELECT key_id, subject, wrapped, kek_id FROM data_keys WHERE subject = ?'),
      byId: db.prepare('SELECT key_id, subject, wrapped, kek_id FROM data_keys WHERE key_id = ?'),
      destroyedBySubject: db.prepare('SELECT key_id, subject, destroyed_at FROM destroyed_keys WHERE subject = ?'),
      destroyedById: db.prepare('SELECT key_id, subject, destroyed_at FROM destroyed_keys WHERE key_id = ?'),
      remove: db.prepare('DELETE FROM data_keys WHERE key_id = ?'),
      remember: db.prepare(
        'INSERT INTO destroyed_keys (key_id, subject, destroyed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      rewrap: db.prepare('UPDATE data_keys SET wrapped = ?, kek_id = ? WHERE key_id = ?'),
      getMeta: db.prepare('SELECT value FROM meta WHERE name = ?').pluck(),
      setMeta: db.prepare(
        'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      ),
    };
    this.createBatch = db.transaction((batch: PendingCreate[]) => batch.map(({ key }) => this.createOne(key)));
  }

  create(key: WrappedDataKey): Promise<WrappedDataKey> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    let outcomes: (WrappedDataKey | Error)[];
    try {
      // IMMEDIATE: a deferred transaction that reads and then writes fails at once (SQLITE_BUSY, no
      // busy timeout) when another process wrote in between; taking the write lock first waits instead.
      outcomes = this.createBatch.immediate(batch);
    } catch (error) {
      for (const create of batch) create.reject(error);
      return;
    }
    batch.forEach((create, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof Error) create.reject(outcome);
      else create.resolve(outcome);
    });
  }

  private createOne(key: WrappedDataKey): WrappedDataKey | Error {
    if (this.statements.destroyedBySubject.get(key.subject)) return new SubjectErased(key.subject);
    this.statements.insert.run({ keyId: key.keyId, subject: key.subject, wrapped: key.wrapped, kekId: key.kekId });
    return toKey(this.statements.bySubject.get(key.subject) as KeyRow);
  }

  async bySubject(subject: string): Promise<WrappedDataKey | DestroyedDataKey | undefined> {
    const live = this.statements.bySubject.get(subject) as KeyRow | undefined;
    if (live) return toKey(live);
    const destroyed = this.statements.destroyedBySubject.get(subject) as DestroyedRow | undefined;
    return destroyed && toDestroyed(destroyed);
  }

  async byId(keyId: string): Promise<WrappedDataKey | DestroyedDataKey | undefined> {
    const live = this.statements.byId.get(keyId) as KeyRow | undefined;
    if (live) return toKey(live);
    const destroyed = this.statements.destroyedById.get(keyId) as DestroyedRow | undefined;
    return destroyed && toDestroyed(destroyed);
  }

  async destroy(keyId: string): Promise<DestroyedDataKey> {
    const destroyOne = this.db.transaction((): DestroyedDataKey => {
      const earlier = this.statements.destroyedById.get(keyId) as DestroyedRow | undefined;
      if (earlier) return toDestroyed(earlier);
      const live = this.statements.byId.get(keyId) as KeyRow | undefined;
      if (!live) throw new Error(`No data key ${keyId} in the key store`);
      const at = Date.now();
      this.statements.remove.run(keyId);
      this.statements.remember.run(keyId, live.subject, at);
      return { keyId, subject: live.subject, destroyedAt: new Date(at) };
    });
    const destroyed = destroyOne.immediate(); // as in create: take the write lock before reading
    // The WAL still holds the page as it was with the key: copy the zeroed page back and empty the WAL.
    // Another process reading the file past the busy timeout keeps it: then the erasure is not done
    // (the tombstone is kept), and repeating it finishes the job.
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    if (result?.busy) {
      throw new Error(`the key store's WAL could not be emptied (another process holds it): repeat the erasure`);
    }
    return destroyed;
  }

  async *all(): AsyncIterable<WrappedDataKey> {
    const rows = this.db.prepare('SELECT key_id, subject, wrapped, kek_id FROM data_keys ORDER BY key_id').all();
    for (const row of rows as KeyRow[]) yield toKey(row);
  }

  async rewrap(keyId: string, wrapped: Buffer, kekId: string): Promise<void> {
    const changed = this.statements.rewrap.run(wrapped, kekId, keyId).changes;
    if (changed !== 1) throw new Error(`No data key ${keyId} in the key store`);
  }

  async getMeta(name: string): Promise<string | undefined> {
    return this.statements.getMeta.get(name) as string | undefined;
  }

  async setMeta(name: string, value: string): Promise<void> {
    this.statements.setMeta.run(name, value);
  }

  async close(): Promise<void> {
    if (this.pending.length > 0) this.flush();
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }
}

function toKey(row: KeyRow): WrappedDataKey {
  return { keyId: row.key_id, subject: row.subject, wrapped: row.wrapped, kekId: row.kek_id };
}

function toDestroyed(row: DestroyedRow): DestroyedDataKey {
  return { keyId: row.key_id, subject: row.subject, destroyedAt: new Date(row.destroyed_at) };
}
