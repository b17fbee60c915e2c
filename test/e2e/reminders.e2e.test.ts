import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Queue } from 'bullmq';
import { bullConnection, bullPrefix, REMINDER_QUEUE, SCHEDULED_STATES } from '../../libs/reminders/src';
import { call, E2E_SECRET, tokenFor } from '../support/api-client';
import { today } from '../support/dates';
import { clockEnv, logText, startServer, type ServerProcess } from '../support/server-process';

const ROOT = join(__dirname, '..', '..');
const WORKER = 'dist/apps/worker/src/main.js';

/**
 * The worker process as the scale-out profile runs it, killed with SIGKILL while reminder jobs
 * wait, and Redis emptied then reconciled by `npm run reminders:reconcile`: each reminder is
 * still raised, exactly once. The recovery period lasts 8 s here (DEADLINE_POLICY_FILE), its
 * warning 4 s before; every other deadline keeps its length in days, out of the way.
 */
describe('reminders across a killed worker and an emptied Redis', () => {
  jest.setTimeout(120_000);
  const police = tokenFor('caseworker', 'police');
  const auditor = tokenFor('auditor', 'police');
  let dataDir: string;
  let env: Record<string, string>;
  let api: ServerProcess;
  let queue: Queue;
  let redis: Redis;
  const running: ServerProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-reminders-e2e-'));
    const policyFile = join(dataDir, 'deadline-policy.json');
    writeFileSync(
      policyFile,
      JSON.stringify({
        recoveryPeriod: { amount: 8, unit: 'seconds' },
        recoveryPeriodReminderBefore: { amount: 4, unit: 'seconds' },
      }),
    );
    const prefix = `e2e-rem-${randomUUID().slice(0, 8)}`;
    env = {
      DATA_DIR: dataDir,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: prefix,
      JWT_SECRET: E2E_SECRET,
      DEADLINE_POLICY_FILE: policyFile,
    };
    api = await startServer({ ...env, WORKER_IN_PROCESS: 'false' });
    queue = new Queue(REMINDER_QUEUE, { connection: bullConnection(env.REDIS_URL!), prefix: bullPrefix(prefix) });
    redis = new Redis(env.REDIS_URL!);
  });
  afterAll(async () => {
    for (const process of running) process.child.kill('SIGKILL');
    api.child.kill('SIGTERM');
    await api.exited;
    await queue.close();
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function worker(): Promise<ServerProcess> {
    const started = await startServer(env, WORKER, 'worker started');
    running.push(started);
    return started;
  }
  /** A recognised adult: identified, consented, referred, positive RG now. Returns when the RG was recorded. */
  async function recoveryPeriodStarted(): Promise<{ caseId: string; decidedAt: number }> {
    const caseId = randomUUID();
    const on = today();
    const post = (path: string, body: unknown) => call(api.url, 'POST', path, { token: police, body });
    expect(
      (
        await post('/cases', {
          caseId,
          identifiedOn: on,
          location: 'Synthetic',
          encounterContext: 'community_report',
          indicators: [],
          exploitationTypes: ['labour'],
          child: false,
          personal: { name: 'Synthetic Person K' },
        })
      ).status,
    ).toBe(201);
    for (const [path, body] of [
      ['consent', { givenOn: on, language: 'en', interpreterUsed: false }],
      ['nrm-referral', { submittedOn: on, competentAuthority: 'single_competent_authority', reference: 'R-K' }],
      ['reasonable-grounds-decision', { outcome: 'positive', decidedOn: on }],
    ] as const) {
      expect((await post(`/cases/${caseId}/${path}`, body)).status).toBe(200);
    }
    const events = await history(caseId);
    return { caseId, decidedAt: Date.parse(events.at(-1)!.recordedAt) };
  }
  async function history(caseId: string) {
    const response = await call(api.url, 'GET', `/cases/${caseId}/history`, { token: auditor });
    return response.body.events as {
      type: string;
      recordedAt: string;
      actor: { role: string };
      data: { key?: string; label?: string; reminderAt?: string };
    }[];
  }
  const raised = async (caseId: string) => (await history(caseId)).filter((event) => event.type === 'ReminderRaised');
  const jobsOf = async (caseId: string) =>
    (await queue.getRanges(SCHEDULED_STATES, 0, -1)).filter((id) => id.startsWith(`reminder-${caseId}-recovery`));
  async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
  const expectRaisedOnceEach = async (caseId: string, decidedAt: number) => {
    const found = await raised(caseId);
    expect(found.map((event) => event.data.label)).toEqual(['before due', 'due']);
    // History shows the store's own recording time, a millisecond or so after the command's clock.
    const offsets = found.map((event) => Date.parse(event.data.reminderAt!) - decidedAt);
    expect(Math.abs(offsets[0]! - 4_000)).toBeLessThan(50);
    expect(Math.abs(offsets[1]! - 8_000)).toBeLessThan(50);
    expect(found.every((event) => event.actor.role === 'system')).toBe(true);
  };

  it('a worker killed with SIGKILL while jobs wait: after restart each reminder is raised exactly once', async () => {
    const first = await worker();
    const { caseId, decidedAt } = await recoveryPeriodStarted();
    await until(async () => (await jobsOf(caseId)).length === 2, 10_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Both reminders come due while no worker runs.
    await sleepUntil(decidedAt + 9_000);
    expect(await raised(caseId)).toEqual([]);
    const second = await worker();
    await until(async () => (await raised(caseId)).length >= 2, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await expectRaisedOnceEach(caseId, decidedAt);
    // The new leader reconciled without duplicating anything.
    expect(logText(second.output())).toMatch(/reminders reconciled: \{"cases":1,/);
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });

  it('Redis emptied and reconciled by `npm run reminders:reconcile`: each reminder is raised exactly once', async () => {
    const first = await worker();
    const { caseId, decidedAt } = await recoveryPeriodStarted();
    await until(async () => (await jobsOf(caseId)).length === 2, 10_000);
    first.child.kill('SIGTERM');
    await first.exited;
    const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}:*`);
    await redis.del(...keys);
    expect(await jobsOf(caseId)).toEqual([]);

    // No worker runs: the command reconciles by itself.
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/apps/worker/src/reconcile-reminders.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...clockEnv(), ...env },
    });
    expect(stdout).toMatch(/no worker is running the reminders/);
    expect(stdout).toMatch(
      /reminders reconciled: 2 cases \(2 with reminders\), \d+ reminders scheduled; \d+ jobs added, 0 removed/,
    );
    expect(await jobsOf(caseId)).toHaveLength(2);

    const second = await worker();
    await until(async () => (await raised(caseId)).length >= 2, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await expectRaisedOnceEach(caseId, decidedAt);

    // With a worker running, the command takes the lease from it; nothing is added twice.
    const asked = await promisify(execFile)(process.execPath, ['dist/apps/worker/src/reconcile-reminders.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...clockEnv(), ...env },
    });
    expect(asked.stdout).toMatch(/a worker holds the reminders lease: taking it/);
    expect(asked.stdout).toMatch(/0 jobs added, 0 removed/);
    // The worker takes the lease back and goes on: a new case's reminders are scheduled.
    const next = await recoveryPeriodStarted();
    await until(async () => (await jobsOf(next.caseId)).length === 2, 10_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });
});
