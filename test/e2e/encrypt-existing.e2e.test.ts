import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore, type RecordedEvent } from '../../libs/event-store/src';
import { TreeHeadSigningKey } from '../../libs/audit/src/tree-heads';
import { KeyEncryptionKey, Keyring, SqliteKeyStore, openEventData } from '../../libs/personal-data/src';
import { verifyStore } from '../../apps/worker/src/audit/verify-store';
import { PLAIN_VALUES, SEALED_NOTE, writePlainStore, type PlainStore } from '../support/plain-store';

const TOOL = join(__dirname, '..', '..', 'dist/apps/worker/src/encrypt-existing.js');

/** Runs the built `npm run data:encrypt-existing` with this environment; resolves with its exit code and output. */
function encryptExisting(env: Record<string, string>, args: string[] = []) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [TOOL, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: stdout + stderr }),
    );
  });
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function readAll(file: string): Promise<RecordedEvent[]> {
  // Opening a file that is not there would make an empty store of it.
  if (!existsSync(file)) throw new Error(`no store at ${file}`);
  const store = new SqliteEventStore(file);
  try {
    const events: RecordedEvent[] = [];
    for await (const event of store.readAll()) events.push(event);
    return events;
  } finally {
    await store.close();
  }
}

describe('npm run data:encrypt-existing: a store written before sealing, upcast into a new one', () => {
  jest.setTimeout(60_000);
  const kek = KeyEncryptionKey.generateText();
  let dataDir: string;
  let plain: PlainStore;
  let oldEvents: RecordedEvent[];
  let oldHash: string;
  let run: { code: number | null; output: string };
  let target: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-encrypt-existing-'));
    plain = await writePlainStore(dataDir, kek);
    oldEvents = await readAll(plain.file);
    oldHash = sha256(plain.file);
    target = join(dataDir, 'events.encrypted.sqlite');
    // The worker's Merkle tree over the old store (its content does not matter here: the tool never opens it).
    writeFileSync(join(dataDir, 'audit.sqlite'), '');
    run = await encryptExisting({ DATA_DIR: dataDir, KEY_ENCRYPTION_KEY: kek });
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('writes the new store and says what it did, without a personal value in its output', () => {
    expect(run.code).toBe(0);
    expect(run.output).toContain(`wrote     ${oldEvents.length} events to ${target}`);
    // The victim's fields (identified: 5, note, placement, MARAC reason, discussion, action) and the other person's 2.
    expect(run.output).toMatch(/sealed {4}12 personal fields; 1 events were sealed already/);
    expect(run.output).toMatch(/erased {4}2 fields in clear of people whose key was destroyed/);
    // The victim already had a key (the sealed note); the other person gets one; the erased person never again.
    expect(run.output).toMatch(/keys {6}1 data keys created/);
    expect(run.output).toContain('shred -u');
    // The tree over the old store cannot be extended over the new one: the operator is told to set it aside.
    expect(run.output).toContain(`mv ${join(dataDir, 'audit.sqlite')} ${join(dataDir, 'audit.plain.sqlite')}`);
    for (const value of [...Object.values(PLAIN_VALUES), SEALED_NOTE]) expect(run.output).not.toContain(value);
  });

  it('keeps every event: the same ids in the same order, streams, revisions, positions and recorded-at', async () => {
    const newEvents = await readAll(target);
    const shape = (events: RecordedEvent[]) =>
      events.map((e) => [e.id, e.type, e.stream, e.revision, e.position.commit, e.recordedAt.getTime()]);
    expect(shape(newEvents)).toEqual(shape(oldEvents));
    const perStream = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare('SELECT stream, COUNT(*) AS n FROM events GROUP BY stream ORDER BY stream').all();
      } finally {
        db.close();
      }
    };
    expect(perStream(target)).toEqual(perStream(plain.file));
  });

  it('chains the copy afresh over its sealed bytes: every chain verifies, with hashes of its own', async () => {
    const copy = new SqliteEventStore(target);
    try {
      expect(await verifyStore(copy)).toEqual({ ok: true, events: oldEvents.length, streams: expect.any(Number) });
    } finally {
      await copy.close();
    }
    const newEvents = await readAll(target);
    const identified = newEvents.findIndex((e) => e.type === 'PotentialVictimIdentified');
    expect(newEvents[identified]!.chainHash).toMatch(/^[0-9a-f]{64}$/);
    expect(newEvents[identified]!.chainHash).not.toBe(oldEvents[identified]!.chainHash);
    expect(run.output).toContain(`chains    the old store's hash chains verified`);
  });

  it('refuses to copy a store whose hash chains fail: a migration must not launder an edit', async () => {
    const edited = mkdtempSync(join(tmpdir(), 'marac-encrypt-edited-'));
    try {
      const store = await writePlainStore(edited, kek);
      const db = new Database(store.file);
      db.prepare("UPDATE events SET data = replace(data, 'Zorblat', 'Zorblot') WHERE position = 1").run();
      db.close();
      const refused = await encryptExisting({ DATA_DIR: edited, KEY_ENCRYPTION_KEY: kek });
      expect(refused.code).not.toBe(0);
      expect(refused.output).toMatch(
        /fails audit verification, so it is not copied.*ALTERED: stream case-[0-9a-f-]+, revision 0, position 1/s,
      );
      expect(existsSync(join(edited, 'events.encrypted.sqlite'))).toBe(false);
    } finally {
      rmSync(edited, { recursive: true, force: true });
    }
  });

  it('keeps the metadata, less the unkeyed digests of commands that carried personal data', async () => {
    const newEvents = await readAll(target);
    newEvents.forEach((event, i) => {
      const { commandDigest, ...rest } = oldEvents[i]!.metadata as { commandDigest?: string };
      expect(event.metadata).toEqual(commandDigest === plain.identifyDigest ? rest : oldEvents[i]!.metadata);
    });
    const digests = newEvents.map((event) => (event.metadata as { commandDigest?: string }).commandDigest);
    expect(digests).not.toContain(plain.identifyDigest);
    expect(digests).toContain(plain.consentDigest);
  });

  it('leaves no personal value in clear in the new file (nor a WAL), where the old file has them all', () => {
    expect(existsSync(`${target}-wal`)).toBe(false);
    const bytes = readFileSync(target);
    const oldBytes = readFileSync(plain.file);
    for (const value of Object.values(PLAIN_VALUES)) {
      expect(oldBytes.includes(value)).toBe(true);
      expect(bytes.includes(value)).toBe(false);
    }
    expect(bytes.includes(SEALED_NOTE)).toBe(false);
  });

  it('opens every sealed field to its old value, and shows the erased person as erased', async () => {
    const keys = new SqliteKeyStore(join(dataDir, 'keys.sqlite'));
    const keyring = await Keyring.open(keys, KeyEncryptionKey.parse(kek));
    try {
      const newEvents = await readAll(target);
      expect(newEvents).toHaveLength(oldEvents.length);
      for (const [i, event] of newEvents.entries()) {
        const at = { eventId: event.id, type: event.type, stream: event.stream };
        const opened = await openEventData(keyring, at, event.data);
        const old = oldEvents[i]!;
        if (event.stream === `case-${plain.erased}`) {
          expect([...opened.erased].sort()).toEqual(['location', 'personal.name']);
          expect(opened.data).toMatchObject({ location: null, personal: { name: null }, area: 'testshire' });
        } else {
          expect(opened.erased).toEqual([]);
          expect(opened.data).toEqual((await openEventData(keyring, at, old.data)).data);
        }
      }
    } finally {
      await keys.close();
    }
  });

  it('leaves the old file as it was', () => {
    expect(sha256(plain.file)).toBe(oldHash);
  });

  it('refuses to write over a store that exists, and leaves it as it was', async () => {
    const before = sha256(target);
    const again = await encryptExisting({ DATA_DIR: dataDir, KEY_ENCRYPTION_KEY: kek });
    expect(again.code).toBe(1);
    expect(again.output).toContain(`${target} already exists`);
    expect(sha256(target)).toBe(before);
  });

  it('stops with exit 78 on a key-encryption key that is not the key store’s, writing nothing', async () => {
    const elsewhere = join(dataDir, 'other.sqlite');
    const wrong = await encryptExisting({ DATA_DIR: dataDir, KEY_ENCRYPTION_KEY: KeyEncryptionKey.generateText() }, [
      '--to',
      elsewhere,
    ]);
    expect(wrong.code).toBe(78);
    expect(wrong.output).toContain('is not the one this key store was written with');
    expect(existsSync(elsewhere)).toBe(false);
  });

  it('refuses while a server runs on the data directory (its managed Redis is alive)', async () => {
    const busy = mkdtempSync(join(tmpdir(), 'marac-encrypt-busy-'));
    try {
      mkdirSync(join(busy, 'redis'));
      writeFileSync(join(busy, 'redis', 'redis-server.pid'), String(process.pid));
      writeFileSync(join(busy, 'redis', 'redis.url'), 'redis://:secret@127.0.0.1:1');
      const refused = await encryptExisting({ DATA_DIR: busy, KEY_ENCRYPTION_KEY: kek });
      expect(refused.code).toBe(1);
      expect(refused.output).toContain('a server is running on');
      expect(existsSync(join(busy, 'events.encrypted.sqlite'))).toBe(false);
    } finally {
      rmSync(busy, { recursive: true, force: true });
    }
  });

  it('says an EventStoreDB log is not converted, and why', async () => {
    const refused = await encryptExisting({
      DATA_DIR: dataDir,
      KEY_ENCRYPTION_KEY: kek,
      AUDIT_SIGNING_KEY: TreeHeadSigningKey.generateText(),
      EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false',
    });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('cannot be rewritten in place');
  });
});
