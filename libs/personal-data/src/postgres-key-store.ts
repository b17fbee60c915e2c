import { Pool, type PoolClient } from 'pg';
import { SubjectErased, type DestroyedDataKey, type KeyStore, type WrappedDataKey } from './key-store.port';

type KeyRow = { key_id: string; subject: string; wrapped: Buffer; kek_id: string };
type DestroyedRow = { key_id: string; subject: string; destroyed_at: Date };

interface PendingCreate {
  readonly key: WrappedDataKey;
  readonly resolve: (key: WrappedDataKey) => void;
  readonly reject: (error: unknown) => void;
}

export interface PostgresKeyStoreOptions {
  /** Connections kept to the server (default 10). */
  readonly poolSize?: number;
  /** Keys read per query while `all()` walks the store (default 1000). */
  readonly pageSize?: number;
}

// Ids compare bytewise ("C"), whatever the database's locale: `all()` pages through them in that order.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS data_keys (
    key_id text COLLATE "C" PRIMARY KEY, subject text COLLATE "C" NOT NULL UNIQUE,
    wrapped bytea NOT NULL, kek_id text NOT NULL
  );
  CREATE TABLE IF NOT EXISTS destroyed_data_keys (
    key_id text PRIMARY KEY, subject text NOT NULL, destroyed_at timestamptz NOT NULL
  );
  CREATE INDEX IF NOT EXISTS destroyed_data_keys_subject ON destroyed_data_keys (subject);
  CREATE TABLE IF NOT EXISTS key_store_meta (name text PRIMARY KEY, value text NOT NULL);
`;
/** Serialises schema creation: two processes running CREATE TABLE IF NOT EXISTS at once can collide. */
const SCHEMA_LOCK = 0x6b657973; // "keys"

/**
 * The scale-out key store, on PostgreSQL: a server operators already run, back up and replicate,
 * durable on commit, and able to delete a row for real.
 *
 * How a key is deleted: the row goes in the transaction that records the tombstone, then
 * `VACUUM (FULL) data_keys` rewrites the table into a new file and truncates the old one to zero
 * length at once (the empty file is unlinked at the next checkpoint), so the key's bytes are in no
 * table file. Plain VACUUM is not enough: it only marks the space reusable. `VACUUM FULL` needs
 * only table ownership (a CHECKPOINT would need more, and is not needed) and locks the keys table
 * while it rewrites it: about 60 ms with 10,000 keys and 0.5 s with 100,000 on a small machine,
 * once per erasure. A repeated destroy rewrites again, finishing a deletion an earlier one left.
 *
 * What remains, honestly: the WAL segments written since the key was created (until recycled and
 * overwritten), archived WAL and base backups, and a row still visible to a transaction that
 * began before the deletion and is still open (VACUUM FULL must copy it; hence a database of its own
 * for the keys, and a repeated erasure once that transaction is over). Every one of those holds the key only wrapped by the KEK: useless without it, and after a
 * KEK rotation (`rewrapAll`, then retiring the old KEK) unopenable for good.
 */
export class PostgresKeyStore implements KeyStore {
  readonly description: string;
  private pending: PendingCreate[] = [];
  private flushing: Promise<void> | undefined;
  private readonly pageSize: number;

  private constructor(
    private readonly pool: Pool,
    url: string,
    options: PostgresKeyStoreOptions,
  ) {
    const hidden = url.replace(/\/\/[^@/]*@/, '//***@').replace(/password=[^&]*/gi, 'password=***');
    this.description = `PostgreSQL key store at ${hidden}`;
    this.pageSize = options.pageSize ?? 1000;
  }

  /** Connects and creates the tables if they are missing. */
  static async open(url: string, options: PostgresKeyStoreOptions = {}): Promise<PostgresKeyStore> {
    const pool = new Pool({ connectionString: url, max: options.poolSize ?? 10 });
    // An idle connection the server dropped is replaced on the next query; without a listener it would crash us.
    pool.on('error', () => undefined);
    try {
      await transaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await client.query(SCHEMA);
      });
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresKeyStore(pool, url, options);
  }

  /** Creations arriving while a batch is in flight are committed together in the next one. */
  create(key: WrappedDataKey): Promise<WrappedDataKey> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const outcomes = await transaction(this.pool, (client) => createBatch(client, batch));
        batch.forEach((create, i) => {
          const outcome = outcomes[i]!;
          if (outcome instanceof Error) create.reject(outcome);
          else create.resolve(outcome);
        });
      } catch (error) {
        for (const create of batch) create.reject(error);
      }
    }
    this.flushing = undefined;
  }

  async bySubject(subject: string): Promise<WrappedDataKey | DestroyedDataKey | undefined> {
    return this.find('subject', subject);
  }

  async byId(keyId: string): Promise<WrappedDataKey | DestroyedDataKey | undefined> {
    return this.find('key_id', keyId);
  }

  private async find(column: 'subject' | 'key_id', value: string) {
    const live = await this.pool.query<KeyRow>(
      `SELECT key_id, subject, wrapped, kek_id FROM data_keys WHERE ${column} = $1`,
      [value],
    );
    if (live.rows[0]) return toKey(live.rows[0]);
    const destroyed = await this.pool.query<DestroyedRow>(
      `SELECT key_id, subject, destroyed_at FROM destroyed_data_keys WHERE ${column} = $1 LIMIT 1`,
      [value],
    );
    return destroyed.rows[0] && toDestroyed(destroyed.rows[0]);
  }

  async destroy(keyId: string): Promise<DestroyedDataKey> {
    const destroyed = await transaction(this.pool, async (client) => {
      const removed = await client.query<{ subject: string }>(
        'DELETE FROM data_keys WHERE key_id = $1 RETURNING subject',
        [keyId],
      );
      const subject = removed.rows[0]?.subject;
      // Nothing removed: destroyed before (perhaps by a destroy this DELETE waited for), or never here.
      if (subject === undefined) return this.destroyedEarlier(client, keyId);
      const remembered = await client.query<DestroyedRow>(
        'INSERT INTO destroyed_data_keys (key_id, subject, destroyed_at) VALUES ($1, $2, now()) RETURNING *',
        [keyId, subject],
      );
      return toDestroyed(remembered.rows[0]!);
    });
    // Also after a repeated destroy: an earlier one may have stopped between its commit and this.
    await this.pool.query('VACUUM (FULL) data_keys');
    return destroyed;
  }

  private async destroyedEarlier(client: PoolClient, keyId: string): Promise<DestroyedDataKey> {
    const earlier = await client.query<DestroyedRow>(
      'SELECT key_id, subject, destroyed_at FROM destroyed_data_keys WHERE key_id = $1',
      [keyId],
    );
    if (!earlier.rows[0]) throw new Error(`No data key ${keyId} in the key store`);
    return toDestroyed(earlier.rows[0]);
  }

  /** Walks the keys a page at a time by key id, so re-wrapping while walking sees every key once. */
  async *all(): AsyncIterable<WrappedDataKey> {
    let after = '';
    for (;;) {
      const page = await this.pool.query<KeyRow>(
        'SELECT key_id, subject, wrapped, kek_id FROM data_keys WHERE key_id > $1 ORDER BY key_id LIMIT $2',
        [after, this.pageSize],
      );
      for (const row of page.rows) yield toKey(row);
      if (page.rows.length < this.pageSize) return;
      after = page.rows[page.rows.length - 1]!.key_id;
    }
  }

  async rewrap(keyId: string, wrapped: Buffer, kekId: string): Promise<void> {
    const changed = await this.pool.query('UPDATE data_keys SET wrapped = $1, kek_id = $2 WHERE key_id = $3', [
      wrapped,
      kekId,
      keyId,
    ]);
    if (changed.rowCount !== 1) throw new Error(`No data key ${keyId} in the key store`);
  }

  async getMeta(name: string): Promise<string | undefined> {
    const found = await this.pool.query<{ value: string }>('SELECT value FROM key_store_meta WHERE name = $1', [name]);
    return found.rows[0]?.value;
  }

  async setMeta(name: string, value: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO key_store_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      [name, value],
    );
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.pool.ended) await this.pool.end();
  }
}

/**
 * One transaction for a batch of creations. Racing creators agree through the unique subject:
 * `ON CONFLICT (subject) DO NOTHING` waits for a concurrent insert of the same subject and then
 * keeps the first. The tombstones are read after the insert, not before: an insert that waited on
 * a key being destroyed goes through once that key's row is gone, and only a read after it sees
 * the destroyer's tombstone, so a key inserted for an erased subject is taken out again here.
 * Subjects are inserted in order, so two batches cannot deadlock on each other's subjects.
 */
async function createBatch(client: PoolClient, batch: PendingCreate[]): Promise<(WrappedDataKey | Error)[]> {
  const keys = batch.map(({ key }) => key);
  const subjects = keys.map((key) => key.subject);
  await client.query(
    `INSERT INTO data_keys (key_id, subject, wrapped, kek_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[]) AS k (key_id, subject, wrapped, kek_id)
       WHERE NOT EXISTS (SELECT 1 FROM destroyed_data_keys d WHERE d.subject = k.subject)
       ORDER BY subject
     ON CONFLICT (subject) DO NOTHING`,
    [keys.map((key) => key.keyId), subjects, keys.map((key) => key.wrapped), keys.map((key) => key.kekId)],
  );
  const erased = await client.query<{ subject: string }>(
    'SELECT DISTINCT subject FROM destroyed_data_keys WHERE subject = ANY($1)',
    [subjects],
  );
  const erasedSubjects = new Set(erased.rows.map((row) => row.subject));
  if (erasedSubjects.size > 0) {
    await client.query('DELETE FROM data_keys WHERE subject = ANY($1)', [[...erasedSubjects]]);
  }
  const live = await client.query<KeyRow>(
    'SELECT key_id, subject, wrapped, kek_id FROM data_keys WHERE subject = ANY($1)',
    [subjects],
  );
  const bySubject = new Map(live.rows.map((row) => [row.subject, toKey(row)]));
  return keys.map(
    (key) =>
      (erasedSubjects.has(key.subject) ? new SubjectErased(key.subject) : bySubject.get(key.subject)) ??
      new Error(`The key store kept no key for ${key.subject}`),
  );
}

async function transaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function toKey(row: KeyRow): WrappedDataKey {
  return { keyId: row.key_id, subject: row.subject, wrapped: row.wrapped, kekId: row.kek_id };
}

function toDestroyed(row: DestroyedRow): DestroyedDataKey {
  return { keyId: row.key_id, subject: row.subject, destroyedAt: row.destroyed_at };
}
