import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { call, E2E_SECRET, tokenFor } from '../support/api-client';
import { daysAgo, today } from '../support/dates';
import { getJson, startServer, type ServerProcess } from '../support/server-process';
import { KeyEncryptionKey } from '../../libs/personal-data/src/key-encryption-key';

const caseworker = tokenFor('caseworker', 'police');
const dpo = tokenFor('data_protection', 'la-adult-services');

function identification(caseId: string, identifiedOn = today()) {
  return {
    caseId,
    identifiedOn,
    location: 'Synthetic location',
    encounterContext: 'other',
    indicators: [],
    exploitationTypes: ['unknown'],
    child: false,
    personal: { name: `Synthetic Keys Person ${caseId.slice(0, 8)}` },
  };
}

/** The key-encryption key at start: the wrong one, or a lost development one, stops the app (exit 78). */
describe('the key-encryption key', () => {
  jest.setTimeout(90_000);
  let dataDir: string;
  const servers: ServerProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const server = await startServer({ DATA_DIR: dataDir, REDIS_URL: process.env.TEST_REDIS_URL!, ...env });
    servers.push(server);
    return server;
  };
  const stop = async (server: ServerProcess) => {
    server.child.kill('SIGTERM');
    await server.exited;
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-kek-e2e-'));
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) if (server.child.exitCode === null) await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start with a key-encryption key the key store was not written with, naming the problem', async () => {
    const first = await start({ KEY_ENCRYPTION_KEY: KeyEncryptionKey.generateText(), JWT_SECRET: E2E_SECRET });
    const created = await call(first.url, 'POST', '/cases', { token: caseworker, body: identification(randomUUID()) });
    expect(created.status).toBe(201);
    await stop(first);

    const wrong = await start({ KEY_ENCRYPTION_KEY: KeyEncryptionKey.generateText(), JWT_SECRET: E2E_SECRET });
    expect(await wrong.exited).toEqual({ code: 78, signal: null });
    expect(wrong.output()).toContain('is not the one this key store was written with');
  });

  it('refuses to start when the development key of an existing key store is missing', async () => {
    const first = await start({ JWT_SECRET: E2E_SECRET });
    expect(first.output()).toContain('sealed per person');
    await stop(first);
    unlinkSync(join(dataDir, 'dev-key-encryption-key'));

    const again = await start({ JWT_SECRET: E2E_SECRET });
    expect(await again.exited).toEqual({ code: 78, signal: null });
    expect(again.output()).toContain('dev-key-encryption-key, which is missing');
  });

  it('rotates: `keys:rotate` re-wraps every data key, the new key opens the data, the old one opens nothing', async () => {
    const caseId = randomUUID();
    const first = await start({ JWT_SECRET: E2E_SECRET });
    const created = await call(first.url, 'POST', '/cases', { token: caseworker, body: identification(caseId) });
    expect(created.status).toBe(201);
    await stop(first);
    const oldKey = readFileSync(join(dataDir, 'dev-key-encryption-key'), 'utf8');
    const newKeyFile = join(dataDir, 'new-kek');
    writeFileSync(newKeyFile, KeyEncryptionKey.generateText(), { mode: 0o600 });

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['dist/apps/worker/src/rotate-kek.js', '--new-key-file', newKeyFile],
      { cwd: join(__dirname, '..', '..'), env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir } },
    );
    expect(stdout).toContain('re-wrapped 1 data keys');
    expect(stdout).not.toContain(oldKey.trim());

    const withOld = await start({ JWT_SECRET: E2E_SECRET, KEY_ENCRYPTION_KEY: oldKey });
    expect(await withOld.exited).toEqual({ code: 78, signal: null });
    const withNew = await start({ JWT_SECRET: E2E_SECRET });
    const view = await call(
      withNew.url,
      'GET',
      `/cases/${caseId}?include=personal&minPosition=${created.body.position as string}`,
      { token: caseworker },
    );
    expect(view.body.personal.name).toBe(identification(caseId).personal.name);
  });

  it.each([
    [{ KEY_ENCRYPTION_KEY: 'too-short' }, 'KEY_ENCRYPTION_KEY: a key-encryption key is 32 random bytes'],
    [{ KEY_ENCRYPTION_KEY_FILE: '/nonexistent/kek' }, 'KEY_ENCRYPTION_KEY_FILE: cannot read /nonexistent/kek'],
    [
      { EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false' },
      'KEY_ENCRYPTION_KEY (or KEY_ENCRYPTION_KEY_FILE) is required',
    ],
    [{ RETENTION_POLICY_FILE: '/nonexistent/retention.json' }, 'RETENTION_POLICY_FILE: cannot read'],
  ])('refuses to start with %j (exit 78), never printing the key', async (env, message) => {
    const server = await start(env);
    expect(await server.exited).toEqual({ code: 78, signal: null });
    expect(server.output()).toContain(message);
    expect(server.output()).not.toContain('too-short');
  });
});

/**
 * A ciphertext altered in the store is a clear error naming the event (never garbage, never a
 * crash); the retention queue lists closed cases whose review date has come until a decision.
 */
describe('personal data in service', () => {
  jest.setTimeout(90_000);
  let dataDir: string;
  let server: ServerProcess;
  const api = (method: string, path: string, token: string, body?: unknown) =>
    call(server.url, method, path, { token, ...(body === undefined ? {} : { body }) });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-pd-service-e2e-'));
    server = await startServer({ DATA_DIR: dataDir, REDIS_URL: process.env.TEST_REDIS_URL!, JWT_SECRET: E2E_SECRET });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a history whose sealed note was altered with a problem naming the event, and keeps serving', async () => {
    const caseId = randomUUID();
    expect((await api('POST', '/cases', caseworker, identification(caseId))).status).toBe(201);
    const note = await api('POST', `/cases/${caseId}/notes`, caseworker, {
      noteId: randomUUID(),
      text: 'Synthetic note',
    });
    expect(note.status).toBe(200);
    // The worker has projected the note before it is altered: what this test asks of the history
    // must not race the projections, which stop at an event they cannot open (and say so).
    const projected = await api('GET', `/cases/${caseId}?minPosition=${note.body.position as string}`, caseworker);
    expect(projected.status).toBe(200);

    const db = new Database(join(dataDir, 'events.sqlite'));
    const row = db
      .prepare("SELECT event_id, data FROM events WHERE stream = ? AND type = 'NoteAdded'")
      .get(`case-${caseId}`) as { event_id: string; data: string };
    const data = JSON.parse(row.data) as { personal: { text: { $sealed: string } } };
    const sealed = data.personal.text.$sealed;
    // Flip one character of the ciphertext: the tag no longer verifies.
    const at = sealed.length - 5;
    data.personal.text.$sealed = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
    db.prepare('UPDATE events SET data = ? WHERE event_id = ?').run(JSON.stringify(data), row.event_id);
    db.close();

    const history = await api('GET', `/cases/${caseId}/history`, caseworker);
    expect(history.status).toBe(500);
    expect(history.headers.get('content-type')).toMatch(/problem\+json/);
    expect(history.body).toMatchObject({
      type: expect.stringContaining('personal-data-unreadable'),
      eventId: row.event_id,
      field: 'personal.text',
    });
    expect(history.body.detail).toContain(row.event_id);
    expect((await getJson(`${server.url}/health`)).status).toBe(200);
    expect(server.output()).not.toContain('Synthetic note');
  });

  it('refuses to erase (409) while the case holds personal fields in clear from before sealing, writing nothing', async () => {
    const caseId = randomUUID();
    const created = await api('POST', '/cases', caseworker, identification(caseId));
    expect(created.status).toBe(201);
    // A note as a store written before this change holds it: in clear.
    const db = new Database(join(dataDir, 'events.sqlite'));
    db.prepare(
      'INSERT INTO events (stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, 1, ?, ?, ?, ?, ?)',
    ).run(
      `case-${caseId}`,
      randomUUID(),
      'NoteAdded',
      JSON.stringify({ noteId: randomUUID(), personal: { text: 'Synthetic note written in clear' } }),
      JSON.stringify({ schemaVersion: 1 }),
      Date.now(),
    );
    db.close();
    const body = { reason: 'data_subject_request', legalBasis: 'art17_1a_no_longer_necessary' };
    const refused = await api('POST', `/cases/${caseId}/erasure`, dpo, body);
    expect(refused).toMatchObject({ status: 409, body: { type: expect.stringContaining('personal-data-not-sealed') } });
    const history = await api('GET', `/cases/${caseId}/history`, caseworker);
    expect((history.body.events as { type: string }[]).map((event) => event.type)).toEqual([
      'PotentialVictimIdentified',
      'NoteAdded',
    ]);
    // The case view is a projection: wait for it to hold the case (a loaded machine lags).
    const view = await api(
      'GET',
      `/cases/${caseId}?include=personal&minPosition=${created.body.position as string}`,
      caseworker,
    );
    expect(view.status).toBe(200);
    expect(view.body.personalDataErased).toBeNull();
  });

  it('lists a case closed long ago for an erasure review until a legal hold or an erasure decides it', async () => {
    const caseId = randomUUID();
    // Six years is the default retention after closure: closed seven years ago, it is due.
    const yearsAgo = (years: number, days = 0) => daysAgo(Math.round(years * 365.25) + days);
    expect((await api('POST', '/cases', caseworker, identification(caseId, yearsAgo(8)))).status).toBe(201);
    const closed = await api('POST', `/cases/${caseId}/closure`, caseworker, {
      closedOn: yearsAgo(7),
      reason: 'support_ended',
    });
    expect(closed.status).toBe(200);
    const recent = randomUUID();
    expect((await api('POST', '/cases', caseworker, identification(recent, daysAgo(30)))).status).toBe(201);
    expect(
      (await api('POST', `/cases/${recent}/closure`, caseworker, { closedOn: daysAgo(1), reason: 'support_ended' }))
        .status,
    ).toBe(200);

    const reviews = async (position: string) => {
      const answer = await api('GET', `/erasure-reviews?minPosition=${position}`, dpo);
      expect(answer.status).toBe(200);
      return (answer.body.cases as { caseId: string; reviewDueOn: string }[]).map((c) => c.caseId);
    };
    expect(await reviews(closed.body.position as string)).toEqual([caseId]);
    expect((await api('GET', '/erasure-reviews', caseworker)).status).toBe(403);

    const held = await api('POST', `/cases/${caseId}/legal-hold`, dpo, { reason: 'criminal_proceedings' });
    expect(held).toMatchObject({ status: 200, body: { events: ['LegalHoldSet'] } });
    expect(await reviews(held.body.position as string)).toEqual([]);
    const refused = await api('POST', `/cases/${caseId}/erasure`, dpo, {
      reason: 'retention_period_ended',
      legalBasis: 'art17_1a_no_longer_necessary',
    });
    expect(refused).toMatchObject({ status: 422, body: { rule: 'legal-hold-set' } });
    const view = await api('GET', `/cases/${caseId}?include=personal`, caseworker);
    expect(view.body.personal.name).toContain('Synthetic Keys Person');

    const lifted = await api('POST', `/cases/${caseId}/legal-hold/lift`, dpo, { reason: 'proceedings_concluded' });
    expect(lifted).toMatchObject({ status: 200, body: { events: ['LegalHoldLifted'] } });
    expect(await reviews(lifted.body.position as string)).toEqual([caseId]);
    const erased = await api('POST', `/cases/${caseId}/erasure`, dpo, {
      reason: 'retention_period_ended',
      legalBasis: 'art17_1a_no_longer_necessary',
    });
    expect(erased).toMatchObject({
      status: 200,
      body: { events: ['PersonalDataErased'], erasure: { sealedFields: 2 } },
    });
    expect(await reviews(erased.body.position as string)).toEqual([]);
    // The data-protection role reads the pathway, never the person.
    expect((await api('GET', `/cases/${recent}?include=personal`, dpo)).status).toBe(403);
    expect((await api('GET', `/cases/${recent}`, dpo)).status).toBe(200);
  });
});
