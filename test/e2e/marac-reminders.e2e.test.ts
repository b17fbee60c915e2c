import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { SqliteEventStore } from '../../libs/event-store/src';
import { bullConnection, bullPrefix, REMINDER_QUEUE, SCHEDULED_STATES } from '../../libs/reminders/src';
import { call, E2E_SECRET, tokenFor } from '../support/api-client';
import { daysAhead, today } from '../support/dates';
import { until } from '../support/read-model-dump';
import { clockEnv, startServer, type ServerProcess } from '../support/server-process';

const ROOT = join(__dirname, '..', '..');
const WORKER = 'dist/apps/worker/src/main.js';

/**
 * A MARAC action's reminder across a worker killed with SIGKILL, and across Redis emptied then
 * reconciled by `npm run reminders:reconcile`: raised on the meeting exactly once; and none once
 * the action is completed. The action is due tomorrow at 09:00 London; its reminder-before is
 * set (DEADLINE_POLICY_FILE, written before each worker starts) to fall 15-20 s after the test
 * begins (room for the processes to start on a busy machine), counted back from that due time on
 * the clock the servers run on.
 */
describe('MARAC action reminders across a killed worker and an emptied Redis', () => {
  jest.setTimeout(120_000);
  const coordinator = tokenFor('marac_coordinator', 'la-adult-services');
  const housing = tokenFor('panel_member', 'housing');
  const caseworker = tokenFor('caseworker', 'police');
  let dataDir: string;
  let policyFile: string;
  let env: Record<string, string>;
  let api: ServerProcess;
  let queue: Queue;
  let redis: Redis;
  let store: SqliteEventStore;
  const running: ServerProcess[] = [];
  const dueOn = daysAhead(1);
  const dueAt = Date.parse(DateTime.fromISO(`${dueOn}T09:00`, { zone: 'Europe/London' }).toUTC().toISO()!);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-action-reminders-e2e-'));
    policyFile = join(dataDir, 'deadline-policy.json');
    const prefix = `e2e-mrem-${randomUUID().slice(0, 8)}`;
    env = {
      DATA_DIR: dataDir,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: prefix,
      JWT_SECRET: E2E_SECRET,
      DEADLINE_POLICY_FILE: policyFile,
    };
    remindIn(60_000);
    api = await startServer({ ...env, WORKER_IN_PROCESS: 'false' });
    queue = new Queue(REMINDER_QUEUE, { connection: bullConnection(env.REDIS_URL!), prefix: bullPrefix(prefix) });
    redis = new Redis(env.REDIS_URL!);
    store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  });
  afterAll(async () => {
    for (const process of running) process.child.kill('SIGKILL');
    api.child.kill('SIGTERM');
    await api.exited;
    await queue.close();
    redis.disconnect();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sets the reminder-before so that it falls `ms` from now (whole seconds back from the due time); returns when. */
  function remindIn(ms: number): number {
    const before = Math.floor((dueAt - Date.now() - ms) / 1_000);
    writeFileSync(policyFile, JSON.stringify({ maracActionReminderBefore: { amount: before, unit: 'seconds' } }));
    return dueAt - before * 1_000;
  }
  async function worker(): Promise<ServerProcess> {
    const started = await startServer(env, WORKER, 'worker started');
    running.push(started);
    return started;
  }
  const post = async (path: string, token: string, body: unknown) => {
    const response = await call(api.url, 'POST', path, { token, body });
    expect([200, 201]).toContain(response.status);
    return response;
  };
  /** A case referred to the MARAC, listed at a meeting today, with an action for housing due tomorrow. */
  async function actionAgreed(): Promise<{ meetingId: string; actionId: string }> {
    const caseId = randomUUID();
    const meetingId = randomUUID();
    const actionId = randomUUID();
    await post('/cases', caseworker, {
      caseId,
      identifiedOn: today(),
      location: 'Synthetic',
      encounterContext: 'community_report',
      indicators: [],
      exploitationTypes: ['labour'],
      child: false,
      personal: { name: 'Synthetic Person M' },
    });
    await post(`/cases/${caseId}/marac-referrals`, caseworker, { referredOn: today(), reason: 'Synthetic reason' });
    const meeting = (path: string) => `/marac/meetings/${meetingId}${path}`;
    await post('/marac/meetings', coordinator, {
      meetingId,
      area: 'West',
      meetsOn: today(),
      attendingAgencies: ['police', 'housing'],
    });
    await post(meeting('/cases'), coordinator, { caseId });
    await post(meeting('/actions'), coordinator, {
      actionId,
      caseId,
      description: 'Synthetic action',
      ownerAgency: 'housing',
      dueOn,
    });
    return { meetingId, actionId };
  }
  const raised = async (meetingId: string) =>
    (await store.readStream(`marac-meeting-${meetingId}`))
      .filter((event) => event.type === 'MaracActionReminderRaised')
      .map((event) => event.data as { actionId: string; label: string; reminderAt: string });
  const jobsOf = async (meetingId: string) =>
    (await queue.getRanges(SCHEDULED_STATES, 0, -1)).filter((id) => id.startsWith(`meeting-reminder-${meetingId}-`));
  const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
  const reconcileCommand = () =>
    promisify(execFile)(process.execPath, ['dist/apps/worker/src/reconcile-reminders.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...clockEnv(), ...env },
    });
  const expectRaisedOnce = async (meetingId: string, actionId: string, reminderAt: number) =>
    expect(await raised(meetingId)).toEqual([
      expect.objectContaining({ actionId, label: 'before due', reminderAt: new Date(reminderAt).toISOString() }),
    ]);

  it('a worker killed with SIGKILL while the job waits: after restart the action’s reminder is raised exactly once', async () => {
    const reminderAt = remindIn(20_000);
    const first = await worker();
    const { meetingId, actionId } = await actionAgreed();
    // Its reminder before due, and the one at due (tomorrow).
    await until(async () => (await jobsOf(meetingId)).length === 2, 10_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    await sleepUntil(reminderAt + 1_000);
    expect(await raised(meetingId)).toEqual([]);
    const second = await worker();
    await until(async () => (await raised(meetingId)).length >= 1, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await expectRaisedOnce(meetingId, actionId, reminderAt);
    // The agenda shows it on the open action, once the worker's read models have it.
    const lastReminder = async () => {
      const agenda = await call(api.url, 'GET', `/marac/meetings/${meetingId}/agenda`, { token: coordinator });
      return agenda.status === 200 ? (agenda.body.cases[0].openActions[0].lastReminder as unknown) : undefined;
    };
    await until(async () => (await lastReminder()) != null, 10_000);
    expect(await lastReminder()).toMatchObject({ label: 'before due', reminderAt: new Date(reminderAt).toISOString() });
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });

  it('Redis emptied and reconciled by `npm run reminders:reconcile`: the action’s reminder is raised exactly once', async () => {
    const reminderAt = remindIn(20_000);
    const first = await worker();
    const { meetingId, actionId } = await actionAgreed();
    await until(async () => (await jobsOf(meetingId)).length === 2, 10_000);
    first.child.kill('SIGTERM');
    await first.exited;
    const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}:*`);
    await redis.del(...keys);
    expect(await jobsOf(meetingId)).toEqual([]);

    const { stdout } = await reconcileCommand();
    expect(stdout).toMatch(/\d+ MARAC meetings \(\d+ with action reminders\)/);
    expect(await jobsOf(meetingId)).toHaveLength(2);
    expect(await raised(meetingId)).toEqual([]); // still to come: it is the re-derived job that raises it
    const second = await worker();
    await sleepUntil(reminderAt);
    await until(async () => (await raised(meetingId)).length >= 1, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await expectRaisedOnce(meetingId, actionId, reminderAt);
    // Reconciled again beside the running worker: nothing added twice.
    expect((await reconcileCommand()).stdout).toMatch(/0 jobs added/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await expectRaisedOnce(meetingId, actionId, reminderAt);
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });

  it('an action completed before its reminder: its jobs are removed and none is raised', async () => {
    const reminderAt = remindIn(15_000);
    const started = await worker();
    const { meetingId, actionId } = await actionAgreed();
    await until(async () => (await jobsOf(meetingId)).length === 2, 10_000);
    await post(`/marac/meetings/${meetingId}/actions/${actionId}/completion`, housing, { completedOn: today() });
    await until(async () => (await jobsOf(meetingId)).length === 0, Math.max(0, reminderAt - Date.now() - 200));
    await sleepUntil(reminderAt + 1_500);
    expect(await raised(meetingId)).toEqual([]);
    started.child.kill('SIGTERM');
    expect(await started.exited).toEqual({ code: 0, signal: null });
  });
});
