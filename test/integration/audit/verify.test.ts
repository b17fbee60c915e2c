import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventStoreDbEventStore, SqliteEventStore } from '../../../libs/event-store/src';
import { KeyEncryptionKey, Keyring, SealingEventStore, SqliteKeyStore } from '../../../libs/personal-data/src';
import { verifyStore } from '../../../apps/worker/src/audit/verify-store';
import {
  AUDIT_STORE_FILE,
  auditLeafBytes,
  leafHash,
  merkleTreeHash,
  SqliteTreeHeadStore,
  TreeHeadSigningKey,
} from '../../../libs/audit/src';
import { startEsdbProtocolServer } from '../../support/esdb-protocol-server';

// `npm run audit:verify` against an embedded store edited behind the store's back with
// better-sqlite3, as someone with the file could: each edit is named with the right event.

type Row = { position: number; stream: string; revision: number; data: string };

const CASES = 4;
const EVENTS_PER_CASE = 5;

describe('audit:verify over an embedded store edited directly', () => {
  jest.setTimeout(60_000);
  let dir: string;
  let clean: string;
  let keyring: Keyring;
  const victims: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marac-audit-verify-'));
    clean = join(dir, 'clean.sqlite');
    keyring = await Keyring.open(
      new SqliteKeyStore(join(dir, 'keys.sqlite')),
      KeyEncryptionKey.parse(KeyEncryptionKey.generateText()),
    );
    // As the app writes: personal fields sealed before the adapter chains the (encrypted) bytes.
    const store = new SealingEventStore(new SqliteEventStore(clean, { commitThread: true }), keyring);
    const cases = Array.from({ length: CASES }, () => randomUUID());
    for (let round = 0; round < EVENTS_PER_CASE; round++) {
      // The cases take turns, so every stream's events are spread over `$all`.
      for (const [n, caseId] of cases.entries()) {
        if (round === 0) victims.push(`victim-${caseId}`);
        await store.append(`case-${caseId}`, [eventFor(caseId, round, n)]);
      }
    }
    await store.close();
  });

  afterAll(async () => {
    await keyring?.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the clean store, edited by `edit` with a connection of its own, then verified. */
  async function verifyEdited(edit: (db: Database.Database) => void, treeSize?: number) {
    const file = join(dir, `edited-${randomUUID()}.sqlite`);
    copyFileSync(clean, file);
    const db = new Database(file);
    try {
      edit(db);
    } finally {
      db.close();
    }
    const store = new SqliteEventStore(file);
    try {
      return await verifyStore(store, treeSize === undefined ? {} : { treeHead: { size: treeSize } });
    } finally {
      await store.close();
    }
  }

  const rowAt = (db: Database.Database, position: number) =>
    db.prepare('SELECT position, stream, revision, data FROM events WHERE position = ?').get(position) as Row;
  const nextOfStream = (db: Database.Database, row: Row) =>
    db
      .prepare('SELECT position, stream, revision, data FROM events WHERE stream = ? AND revision = ?')
      .get(row.stream, row.revision + 1) as Row;

  it('says all is well with the counts on the store as written', async () => {
    expect(await verifyEdited(() => undefined)).toEqual({ ok: true, events: CASES * EVENTS_PER_CASE, streams: CASES });
  });

  it('still verifies after erasure: destroying a person’s key leaves the stored bytes as they were', async () => {
    const db = new Database(clean, { readonly: true });
    const stored = db.prepare(`SELECT data FROM events WHERE type = 'PotentialVictimIdentified'`).pluck().all();
    db.close();
    // What the chain covers is the sealed text: no name in clear to erase from it.
    expect(stored).toHaveLength(CASES);
    for (const data of stored) expect(data).not.toContain('Synthetic Person');
    for (const victim of victims.slice(0, 2)) expect(await keyring.destroySubjectKey(victim)).toBeDefined();
    expect(await verifyEdited(() => undefined)).toEqual({ ok: true, events: CASES * EVENTS_PER_CASE, streams: CASES });
  });

  it('names the event when one byte of its payload changed', async () => {
    let edited!: Row;
    const result = await verifyEdited((db) => {
      edited = rowAt(db, 7);
      const at = edited.data.indexOf('2026-0') + 6; // a digit of a business date, still valid JSON
      const changed = edited.data.slice(0, at) + (edited.data[at] === '1' ? '2' : '1') + edited.data.slice(at + 1);
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run(changed, 7);
    });
    expect(result).toMatchObject({
      ok: false,
      finding: { kind: 'altered', stream: edited.stream, revision: BigInt(edited.revision), position: 7n },
    });
  });

  it('names the revision removed when one row was deleted, at the next event of its stream', async () => {
    let removed!: Row;
    let next!: Row;
    const result = await verifyEdited((db) => {
      removed = rowAt(db, 6);
      next = nextOfStream(db, removed);
      db.prepare('DELETE FROM events WHERE position = ?').run(6);
    });
    expect(next.position).toBeGreaterThan(6);
    expect(result).toMatchObject({
      ok: false,
      finding: {
        kind: 'removed',
        stream: removed.stream,
        revision: BigInt(removed.revision),
        position: BigInt(next.position),
      },
    });
    expect(result.ok || result.finding.detail).toContain('between positions 2 and');
  });

  it('names the first of two rows whose payloads were swapped', async () => {
    let first!: Row;
    const result = await verifyEdited((db) => {
      first = rowAt(db, 9);
      const second = rowAt(db, 14);
      const swap = db.prepare('UPDATE events SET data = ? WHERE position = ?');
      swap.run(second.data, 9);
      swap.run(first.data, 14);
    });
    expect(result).toMatchObject({
      ok: false,
      finding: { kind: 'altered', stream: first.stream, revision: BigInt(first.revision), position: 9n },
    });
  });

  it('names a row inserted into a stream’s history, its later events renumbered to make room', async () => {
    let inserted!: { stream: string; revision: number; position: number };
    const result = await verifyEdited((db) => {
      const model = rowAt(db, 10);
      db.transaction(() => {
        // Move the stream's later revisions up by one (through negatives: the index is unique).
        db.prepare('UPDATE events SET revision = -revision - 1 WHERE stream = ? AND revision >= ?').run(
          model.stream,
          model.revision,
        );
        db.prepare('UPDATE events SET revision = -revision WHERE stream = ? AND revision < 0').run(model.stream);
        const info = db
          .prepare(
            `INSERT INTO events (stream, revision, event_id, type, data, metadata, recorded_at)
             SELECT stream, ?, ?, type, replace(data, '2026-0', '2025-0'), metadata, recorded_at FROM events WHERE position = ?`,
          )
          .run(model.revision, randomUUID(), 10);
        inserted = { stream: model.stream, revision: model.revision, position: Number(info.lastInsertRowid) };
      })();
    });
    expect(inserted.position).toBe(CASES * EVENTS_PER_CASE + 1);
    expect(result).toMatchObject({
      ok: false,
      finding: {
        kind: 'inserted',
        stream: inserted.stream,
        revision: BigInt(inserted.revision),
        position: BigInt(inserted.position),
      },
    });
  });

  it('names a row appended to the end of a stream with a hash copied from another event', async () => {
    let last!: Row;
    const result = await verifyEdited((db) => {
      last = rowAt(db, CASES * EVENTS_PER_CASE);
      db.prepare(
        `INSERT INTO events (stream, revision, event_id, type, data, metadata, recorded_at)
         SELECT stream, revision + 1, ?, type, data, metadata, recorded_at FROM events WHERE position = ?`,
      ).run(randomUUID(), last.position);
    });
    expect(result).toMatchObject({
      ok: false,
      finding: {
        kind: 'altered',
        stream: last.stream,
        revision: BigInt(last.revision + 1),
        position: BigInt(last.position + 1),
      },
    });
  });

  it('sees the last rows truncated only against the size of the latest signed tree head', async () => {
    const total = CASES * EVENTS_PER_CASE;
    const truncate = (db: Database.Database) => db.prepare('DELETE FROM events WHERE position > ?').run(total - 3);
    // Per-stream chains alone cannot tell: each stream just ends earlier.
    expect(await verifyEdited(truncate)).toEqual({ ok: true, events: total - 3, streams: CASES });
    expect(await verifyEdited(truncate, total)).toMatchObject({
      ok: false,
      finding: { kind: 'truncated', detail: expect.stringContaining(`holds ${total - 3} events`) },
    });
    expect(await verifyEdited(() => undefined, total)).toMatchObject({ ok: true });
  });

  it('exits 1 naming the event, or 0 saying all is well (the npm run audit:verify command)', async () => {
    const dataDir = mkdtempSync(join(dir, 'data-'));
    copyFileSync(clean, join(dataDir, 'events.sqlite'));
    const good = await runVerify(dataDir);
    expect(good).toMatchObject({ code: 0, output: expect.stringContaining(`all is well`) });
    expect(good.output).toContain(`(${CASES * EVENTS_PER_CASE} events in ${CASES} streams)`);
    const db = new Database(join(dataDir, 'events.sqlite'));
    db.prepare(`UPDATE events SET type = 'NoteAddeD' WHERE position = 3`).run();
    db.close();
    const bad = await runVerify(dataDir);
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/ALTERED: stream case-[0-9a-f-]+, revision 0, position 3:/);
  });
});

describe('audit:verify against the latest signed tree head in DATA_DIR/audit.sqlite', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  let total = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-audit-verify-head-'));
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    for (let round = 0; round < 3; round++) {
      for (const caseId of ['a', 'b', 'c']) {
        await store.append(`case-${caseId}`, [{ type: 'NoteAdded', data: { noteId: `${caseId}-${round}` } }]);
      }
    }
    // As the worker's tree builder signs it: one leaf per event in `$all` order.
    const leaves = [];
    for await (const event of store.readAll()) leaves.push(leafHash(auditLeafBytes(event)));
    await store.close();
    total = leaves.length;
    const key = TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText());
    const heads = new SqliteTreeHeadStore(join(dataDir, AUDIT_STORE_FILE));
    await heads.append(key.sign({ treeSize: total, rootHash: merkleTreeHash(leaves) }, new Date()), key.publicKey);
    await heads.close();
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** A copy of the data directory (store and audit file), the store edited by `edit`, then `npm run audit:verify`. */
  async function verifyEditedCopy(edit: (db: Database.Database) => void) {
    const copy = mkdtempSync(join(tmpdir(), 'marac-audit-verify-copy-'));
    try {
      copyFileSync(join(dataDir, 'events.sqlite'), join(copy, 'events.sqlite'));
      copyFileSync(join(dataDir, AUDIT_STORE_FILE), join(copy, AUDIT_STORE_FILE));
      const db = new Database(join(copy, 'events.sqlite'));
      edit(db);
      db.close();
      return await runVerify(copy);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }

  it('checks the store against it without --tree-size, and finds the last rows cut off', async () => {
    const good = await verifyEditedCopy(() => undefined);
    expect(good).toMatchObject({
      code: 0,
      output: expect.stringContaining(`against the latest signed tree head (${total} events`),
    });
    const truncated = await verifyEditedCopy((db) =>
      db.prepare('DELETE FROM events WHERE position > ?').run(total - 2),
    );
    expect(truncated.code).toBe(1);
    expect(truncated.output).toMatch(/TRUNCATED/);
  });

  it('finds two streams’ events swapped in $all order, which each stream’s own chain still accepts', async () => {
    // Positions 1 and 2 hold case-a's and case-b's first events: swap them.
    const swapped = await verifyEditedCopy((db) => {
      db.prepare('UPDATE events SET position = -1 WHERE position = 1').run();
      db.prepare('UPDATE events SET position = 1 WHERE position = 2').run();
      db.prepare('UPDATE events SET position = 2 WHERE position = -1').run();
    });
    expect(swapped.code).toBe(1);
    expect(swapped.output).toMatch(/root of the latest signed tree head/);
  });
});

describe('audit:verify through the EventStoreDB adapter (the in-process protocol server)', () => {
  jest.setTimeout(60_000);

  it('verifies what the adapter chained, then names the event whose stored byte changed', async () => {
    const server = await startEsdbProtocolServer();
    const dir = mkdtempSync(join(tmpdir(), 'marac-audit-esdb-'));
    const keyring = await Keyring.open(
      new SqliteKeyStore(join(dir, 'keys.sqlite')),
      KeyEncryptionKey.parse(KeyEncryptionKey.generateText()),
    );
    const adapter = new EventStoreDbEventStore(server.connectionString);
    try {
      const store = new SealingEventStore(adapter, keyring);
      const cases = [randomUUID(), randomUUID()];
      for (let round = 0; round < 3; round++) {
        for (const [n, caseId] of cases.entries()) await store.append(`case-${caseId}`, [eventFor(caseId, round, n)]);
      }
      expect(await verifyStore(adapter)).toEqual({ ok: true, events: 6, streams: 2 });

      // The server's own `$settings` event comes first in its log: the fourth of ours is at index 4.
      const stored = server.log.all[4]!;
      expect(stored.stream).toBe(`case-${cases[1]}`);
      const at = Buffer.from(stored.data).indexOf('2026-0') + 6;
      stored.data[at] = stored.data[at] === 0x31 ? 0x32 : 0x31;
      expect(await verifyStore(adapter)).toMatchObject({
        ok: false,
        finding: { kind: 'altered', stream: stored.stream, revision: 1n, position: stored.position },
      });
    } finally {
      await adapter.close();
      await keyring.store.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function eventFor(caseId: string, round: number, n: number) {
  const day = `2026-0${1 + (round % 9)}-1${n}`;
  switch (round) {
    case 0:
      return {
        type: 'PotentialVictimIdentified',
        data: {
          caseId,
          identifyingAgency: 'police',
          identifiedOn: day,
          location: 'Synthetic car wash',
          child: false,
          personal: { name: `Synthetic Person ${n}`, aliases: [], contact: '0700 000 000' },
        },
        metadata: { actor: { userId: 'user-1', role: 'caseworker', agency: 'police' }, schemaVersion: 1 },
      };
    case 2:
      return {
        type: 'NoteAdded',
        data: { noteId: randomUUID(), writtenOn: day, personal: { text: `A synthetic note ${n}` } },
      };
    default:
      return { type: 'ReasonableGroundsDecisionMade', data: { outcome: 'positive', decidedOn: day } };
  }
}

/** `npm run audit:verify` as built would run it, here from the TypeScript source. */
function runVerify(dataDir: string) {
  const entry = join(__dirname, '..', '..', '..', 'apps/worker/src/audit-verify.ts');
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', entry],
      {
        cwd: join(__dirname, '..', '..', '..'),
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: stdout + stderr }),
    );
  });
}
