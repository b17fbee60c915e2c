import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { call, E2E_SECRET, tokenFor, type ApiResponse } from '../support/api-client';
import { daysAgo } from '../support/dates';
import { startServer, waitFor, type ServerProcess } from '../support/server-process';

const WORKER = 'dist/apps/worker/src/main.js';

/** YYYY-MM-DD in Europe/London, `days` before today (the server runs on the same clock). */

/** Deletes every key of one server (what FLUSHALL does, without touching other tests' keys). */
async function emptyRedisOf(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== '0');
}

/**
 * Redis emptied under a running api (the scale-out profile: api and worker apart, so the window
 * until the projections have replayed stays open while the worker is down). An empty queue must
 * never stand for "not built yet": reads answer 503 with Retry-After, /health says which read
 * model and why, until the worker has replayed the events; then the same answers as before.
 */
describe('read models emptied under a running api', () => {
  jest.setTimeout(120_000);
  const prefix = `e2e-ready-${randomUUID().slice(0, 8)}`;
  let dataDir: string;
  let redis: Redis;
  let api: ServerProcess;
  let worker: ServerProcess | undefined;
  const env = () => ({
    DATA_DIR: dataDir,
    REDIS_URL: process.env.TEST_REDIS_URL!,
    JWT_SECRET: E2E_SECRET,
    REDIS_KEY_PREFIX: prefix,
  });
  const startWorker = () => startServer(env(), WORKER, 'worker started');
  const stopWorker = async () => {
    worker?.child.kill('SIGTERM');
    await worker?.exited;
    worker = undefined;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-ready-e2e-'));
    redis = new Redis(process.env.TEST_REDIS_URL!);
    api = await startServer({ ...env(), WORKER_IN_PROCESS: 'false', READ_WAIT_MS: '300' });
    worker = await startWorker();
  });
  afterAll(async () => {
    await stopWorker();
    api.child.kill('SIGTERM');
    await api.exited;
    await emptyRedisOf(redis, prefix);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const police = tokenFor('caseworker', 'police');
  const get = (path: string) => call(api.url, 'GET', path, { token: police });
  const expectNotBuilt = (response: ApiResponse, path: string) => {
    expect({ path, status: response.status }).toEqual({ path, status: 503 });
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.body).toMatchObject({
      type: expect.stringMatching(/\/read-model-not-built$/),
      title: 'A read model is being rebuilt from the start',
      status: 503,
      readModel: expect.stringMatching(/^(case-view|marac)$/),
    });
  };

  it('answers 503 with Retry-After and /health names the read model, until the projections have replayed', async () => {
    const caseIds: string[] = [];
    let position = '';
    for (let n = 0; n < 3; n++) {
      const caseId = randomUUID();
      const created = await call(api.url, 'POST', '/cases', {
        token: police,
        body: {
          caseId,
          identifiedOn: daysAgo(3 + n),
          location: 'Synthetic location',
          area: 'West',
          encounterContext: 'community_report',
          indicators: ['isolation'],
          exploitationTypes: ['labour'],
          child: false,
          personal: { name: 'Synthetic Person R' },
        },
      });
      expect(created.status).toBe(201);
      caseIds.push(caseId);
      position = created.body.position as string;
    }
    const listed = await get(`/cases?limit=10&minPosition=${position}`);
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(3);
    const unassigned = async () =>
      ((await get('/queues')).body.queues as { name: string; count: number }[]).find((q) => q.name === 'unassigned')
        ?.count;
    expect(await unassigned()).toBe(3);
    expect((await call(api.url, 'GET', '/health')).status).toBe(200);

    // Redis loses everything while nothing replays the projections.
    await stopWorker();
    await emptyRedisOf(redis, prefix);

    const paths = ['/cases', '/cases?limit=10', `/cases/${caseIds[0]}`, '/queues', '/queues/unassigned'];
    for (const path of paths) expectNotBuilt(await get(path), path);
    // A panel member's command needs the MARAC read model to know the agencies attending: 503, not 500.
    const note = await call(api.url, 'POST', `/cases/${caseIds[0]}/notes`, {
      token: tokenFor('panel_member', 'housing'),
      body: { noteId: randomUUID(), text: 'Synthetic note' },
    });
    expectNotBuilt(note, 'panel member note');
    // Read your writes waits (READ_WAIT_MS) and then says why it gave up.
    expectNotBuilt(await get(`/cases?minPosition=${position}`), 'minPosition');
    const health = await call(api.url, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.details.projections).toMatchObject({
      status: 'down',
      'case-view': {
        state: 'rebuilding',
        checkpoint: null,
        reason: expect.stringContaining('case-view read model has no checkpoint while the event store has events'),
      },
    });

    // The worker comes back, replays from zero, and the answers are what they were.
    worker = await startWorker();
    await waitFor(async () => (await call(api.url, 'GET', '/health')).status === 200, 60_000);
    const relisted = await get('/cases?limit=10');
    expect(relisted.status).toBe(200);
    expect(relisted.body.total).toBe(3);
    const idsOf = (response: ApiResponse) => (response.body.cases as { caseId: string }[]).map((c) => c.caseId);
    expect(idsOf(relisted)).toEqual(idsOf(listed));
    expect((await get(`/cases/${caseIds[0]}`)).status).toBe(200);
    expect(await unassigned()).toBe(3);
  });
});
