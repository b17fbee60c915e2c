import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { PostgresKeyStore, SubjectErased, type WrappedDataKey } from '../../../libs/personal-data/src';
import { describeKeyStoreContract, keyPiecesIn } from '../../../libs/personal-data/src/testing/key-store.contract';
import { PostgresServer } from '../../support/postgres-server';

// One real PostgreSQL cluster for this file, started here (never a mock); the store connects as an
// ordinary role owning its database, as an operator would set it up, not as a superuser.
let started: Promise<PostgresServer> | undefined;
const server = () => (started ??= PostgresServer.start());
afterAll(async () => (await started)?.stop());

async function asAdmin<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: (await server()).adminUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Every file of the test database (tables, indexes, their free-space and visibility maps). */
async function databaseFiles(): Promise<string[]> {
  const { dataDir } = await server();
  const oid = await asAdmin(async (admin) => {
    const found = await admin.query<{ oid: number }>('SELECT oid FROM pg_database WHERE datname = current_database()');
    return found.rows[0]!.oid;
  });
  const dir = join(dataDir, 'base', String(oid));
  return readdirSync(dir).map((name) => join(dir, name));
}

const checkpoint = () => asAdmin(async (admin) => void (await admin.query('CHECKPOINT')));

describeKeyStoreContract('PostgreSQL', async () => ({
  // A small page, so that walking every key crosses pages.
  connection: { kind: 'postgres', url: (await server()).url, options: { pageSize: 7 } },
  files: databaseFiles,
  flushToFiles: checkpoint,
}));

describe('PostgreSQL key store', () => {
  jest.setTimeout(30_000);
  let store: PostgresKeyStore;
  const newKey = (subject = `victim-${randomUUID()}`): WrappedDataKey => ({
    keyId: randomUUID(),
    subject,
    wrapped: randomBytes(60),
    kekId: 'kek-1',
  });

  beforeAll(async () => {
    store = await PostgresKeyStore.open((await server()).url);
  });

  afterAll(async () => store?.close());

  it('refuses a create that waited on the key being destroyed, rather than give the erased subject a new key', async () => {
    const key = await store.create(newKey());
    await asAdmin(async (admin) => {
      const waiting = async (count: number) => {
        for (;;) {
          const found = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted');
          if (found.rows[0]!.n >= count) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      // Hold the destroy between deleting the key's row and recording the tombstone...
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE destroyed_data_keys IN EXCLUSIVE MODE');
      const destroying = store.destroy(key.keyId);
      await waiting(1);
      // ...so that the create's insert finds the row being deleted and waits for the destroy to commit.
      const creating = store.create(newKey(key.subject)).catch((error: unknown) => error);
      await waiting(2);
      await admin.query('COMMIT');

      expect(await creating).toBeInstanceOf(SubjectErased);
      expect(await destroying).toMatchObject({ keyId: key.keyId });
    });
    expect(await store.bySubject(key.subject)).toMatchObject({ keyId: key.keyId, destroyedAt: expect.any(Date) });
  });

  it('finishes, when a destroy is repeated, the deletion that one stopped after its commit left undone', async () => {
    const key = await store.create(newKey());
    await asAdmin(async (admin) => {
      await admin.query('BEGIN');
      await admin.query('DELETE FROM data_keys WHERE key_id = $1', [key.keyId]);
      await admin.query('INSERT INTO destroyed_data_keys VALUES ($1, $2, now())', [key.keyId, key.subject]);
      await admin.query('COMMIT');
    });
    await checkpoint();
    // The deleted row's bytes are still in the table's file: a DELETE alone erases nothing.
    expect(await keyPiecesIn(await databaseFiles(), key.wrapped)).not.toEqual([]);

    await store.destroy(key.keyId);

    expect(await keyPiecesIn(await databaseFiles(), key.wrapped)).toEqual([]);
  });
});
