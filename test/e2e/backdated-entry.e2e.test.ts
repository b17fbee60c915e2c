import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, E2E_SECRET, tokenFor } from '../support/api-client';
import { daysAgo } from '../support/dates';
import { startServer, type ServerProcess } from '../support/server-process';

/**
 * A caseworker enters a case's past weeks after the facts, as they often do. The deadlines keep
 * their lengths in days (the defaults); only the grace a back-dated reminder waits after its entry
 * is shortened to 3 s (DEADLINE_POLICY_FILE), so the test sees it end. Dates are counted back from
 * today, on the same clock as the server.
 */
describe('a case entered after the fact: reminders follow the business dates, not the typing', () => {
  jest.setTimeout(60_000);
  const police = tokenFor('caseworker', 'police');
  const auditor = tokenFor('auditor', 'police');
  const GRACE_MS = 3_000;
  let dataDir: string;
  let api: ServerProcess;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-backdated-e2e-'));
    const policyFile = join(dataDir, 'deadline-policy.json');
    writeFileSync(policyFile, JSON.stringify({ backdatedGrace: { amount: GRACE_MS / 1000, unit: 'seconds' } }));
    api = await startServer({
      DATA_DIR: dataDir,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `e2e-backdated-${randomUUID().slice(0, 8)}`,
      JWT_SECRET: E2E_SECRET,
      DEADLINE_POLICY_FILE: policyFile,
    });
  });
  afterAll(async () => {
    api.child.kill('SIGTERM');
    await api.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) => call(api.url, 'POST', path, { token: police, body });
  async function identified(on: string): Promise<string> {
    const caseId = randomUUID();
    const response = await post('/cases', {
      caseId,
      identifiedOn: on,
      location: 'Synthetic',
      encounterContext: 'community_report',
      indicators: [],
      exploitationTypes: ['labour'],
      child: false,
      personal: { name: 'Synthetic Person B' },
    });
    expect(response.status).toBe(201);
    return caseId;
  }
  async function reminders(caseId: string) {
    const response = await call(api.url, 'GET', `/cases/${caseId}/history`, { token: auditor });
    expect(response.status).toBe(200);
    return (response.body.events as { type: string; data: { key?: string; late?: boolean } }[])
      .filter((event) => event.type === 'ReminderRaised')
      .map((event) => event.data);
  }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('raises nothing for deadlines the entered dates met, and a missed one once, late, after the grace', async () => {
    // Met in time: identified 20 days ago, consent the same day, referred the next day, positive
    // RG five days later (the recovery period runs on, 45 days, its reminders still to come).
    const metInTime = await identified(daysAgo(20));
    for (const [path, body] of [
      ['consent', { givenOn: daysAgo(20), language: 'en', interpreterUsed: false }],
      [
        'nrm-referral',
        { submittedOn: daysAgo(19), competentAuthority: 'single_competent_authority', reference: 'R-1' },
      ],
      ['reasonable-grounds-decision', { outcome: 'positive', decidedOn: daysAgo(15) }],
    ] as const) {
      expect((await post(`/cases/${metInTime}/${path}`, body)).status).toBe(200);
    }
    // Missed: identified 20 days ago with consent, and never referred: the referral deadline
    // (2 days, reminded daily since) was missed.
    const missed = await identified(daysAgo(20));
    expect(
      (await post(`/cases/${missed}/consent`, { givenOn: daysAgo(20), language: 'en', interpreterUsed: false })).status,
    ).toBe(200);

    // Within the grace nothing is raised for either case, though every past reminder is overdue.
    expect(await reminders(metInTime)).toEqual([]);
    expect(await reminders(missed)).toEqual([]);
    await sleep(GRACE_MS + 3_000);
    expect(await reminders(metInTime)).toEqual([]);
    const raised = await reminders(missed);
    expect(raised).toEqual([expect.objectContaining({ key: 'referral-decision', label: 'repeat', late: true })]);
    // Once: not again, and not one per day missed.
    await sleep(1_000);
    expect(await reminders(missed)).toHaveLength(1);
  });
});
