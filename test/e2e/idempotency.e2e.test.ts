import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../libs/event-store/src';
import { call, E2E_SECRET, tokenFor, type CallOptions } from '../support/api-client';
import { startServer, type ServerProcess } from '../support/server-process';

/** The date `days` before today in Europe/London, as the server's clock sees it (YYYY-MM-DD). */
const daysAgo = (days: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date(Date.now() - days * 86_400_000));

/**
 * An Idempotency-Key makes a retry safe and nothing else: access is checked before a replay, and
 * the key is bound to the command it was first sent with, also after a restart.
 */
describe('Idempotency-Key', () => {
  jest.setTimeout(60_000);
  const police = tokenFor('caseworker', 'police');
  const housing = tokenFor('caseworker', 'housing');
  let dataDir: string;
  let server: ServerProcess;
  let store: SqliteEventStore;

  const start = async () => {
    server = await startServer({ DATA_DIR: dataDir, REDIS_URL: process.env.TEST_REDIS_URL!, JWT_SECRET: E2E_SECRET });
  };
  const stop = async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  };
  const send = (method: string, path: string, options: CallOptions) => call(server.url, method, path, options);
  const keyed = (key: string) => ({ 'idempotency-key': key });
  /** What the commands wrote to the case, from the store itself (reminders the server raises on its own left out). */
  const eventsOf = async (caseId: string) =>
    (await store.readStream(`case-${caseId}`)).map((event) => event.type).filter((type) => type !== 'ReminderRaised');

  const identification = (caseId?: string) => ({
    ...(caseId ? { caseId } : {}),
    identifiedOn: daysAgo(3),
    location: 'Car wash, Example Road',
    encounterContext: 'police_operation',
    indicators: ['withheld_documents'],
    exploitationTypes: ['labour'],
    child: false,
    personal: { name: 'Test Person K' },
  });
  const note = { noteId: randomUUID(), text: 'Met the person at the drop-in' };
  const risk = { level: 'high', assessedOn: daysAgo(1), rationale: 'Contact with the exploiters' };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-idempotency-e2e-'));
    await start();
    store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  });
  afterAll(async () => {
    await store.close();
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses another agency the owner's key (403) and writes nothing; the same command replays; another is 422", async () => {
    const caseId = randomUUID();
    await send('POST', '/cases', { token: police, body: identification(caseId) });
    const key = randomUUID();
    const first = await send('POST', `/cases/${caseId}/notes`, { token: police, body: note, headers: keyed(key) });
    expect(first.status).toBe(200);
    expect(first.body.replayed).toBe(false);

    const otherAgency = await send('POST', `/cases/${caseId}/notes`, {
      token: housing,
      body: note,
      headers: keyed(key),
    });
    expect(otherAgency.status).toBe(403);
    expect(otherAgency.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(otherAgency.body).not.toHaveProperty('revision');
    const otherCommand = await send('POST', `/cases/${caseId}/risk-assessments`, {
      token: housing,
      body: risk,
      headers: keyed(key),
    });
    expect(otherCommand.status).toBe(403);

    const reused = await send('POST', `/cases/${caseId}/risk-assessments`, {
      token: police,
      body: risk,
      headers: keyed(key),
    });
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reused.body).toMatchObject({ status: 422, rule: 'idempotency-key-reused' });
    expect(reused.body.type).toMatch(/idempotency-key-reused$/);

    const retried = await send('POST', `/cases/${caseId}/notes`, { token: police, body: note, headers: keyed(key) });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({
      revision: first.body.revision,
      position: first.body.position,
      replayed: true,
    });
    expect(await eventsOf(caseId)).toEqual(['PotentialVictimIdentified', 'NoteAdded']);

    // After a restart (no cache) the key still remembers its command.
    await stop();
    await start();
    const reusedAfter = await send('POST', `/cases/${caseId}/risk-assessments`, {
      token: police,
      body: risk,
      headers: keyed(key),
    });
    expect(reusedAfter.status).toBe(422);
    const retriedAfter = await send('POST', `/cases/${caseId}/notes`, {
      token: police,
      body: note,
      headers: keyed(key),
    });
    expect(retriedAfter.status).toBe(200);
    expect(retriedAfter.body).toMatchObject({ revision: first.body.revision, replayed: true });
    expect(await eventsOf(caseId)).toEqual(['PotentialVictimIdentified', 'NoteAdded']);
  });

  it('makes POST /cases with a key and no case id safe to retry: one case, and the key bound to it', async () => {
    const key = randomUUID();
    const created = await send('POST', '/cases', { token: police, body: identification(), headers: keyed(key) });
    expect(created.status).toBe(201);
    const caseId = created.body.caseId as string;

    const retried = await send('POST', '/cases', { token: police, body: identification(), headers: keyed(key) });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ caseId, revision: '0', replayed: true });

    const different = { ...identification(), location: 'Another place' };
    const reused = await send('POST', '/cases', { token: police, body: different, headers: keyed(key) });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ rule: 'idempotency-key-reused' });
    expect(await eventsOf(caseId)).toEqual(['PotentialVictimIdentified']);

    // Another agency's same key is its own: a case of its own, never a replay of this one.
    const theirs = await send('POST', '/cases', { token: housing, body: identification(), headers: keyed(key) });
    expect(theirs.status).toBe(201);
    expect(theirs.body.caseId).not.toBe(caseId);
  });

  it('refuses a key reused for a different identification of a named case', async () => {
    const caseId = randomUUID();
    const key = randomUUID();
    expect(
      (await send('POST', '/cases', { token: police, body: identification(caseId), headers: keyed(key) })).status,
    ).toBe(201);

    const retried = await send('POST', '/cases', { token: police, body: identification(caseId), headers: keyed(key) });
    expect(retried.status).toBe(200);
    const different = { ...identification(caseId), location: 'Another place' };
    const reused = await send('POST', '/cases', { token: police, body: different, headers: keyed(key) });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ rule: 'idempotency-key-reused' });
    expect(await eventsOf(caseId)).toEqual(['PotentialVictimIdentified']);
  });
});
