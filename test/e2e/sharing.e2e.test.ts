import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { DateTime } from 'luxon';
import { call, E2E_SECRET, tokenFor, useApiServerProcess, type ApiResponse, type Caller } from '../support/api-client';
import { daysAgo, daysAhead, today } from '../support/dates';
import { libfaketime, startServer, type ServerProcess } from '../support/server-process';

const NAME = 'Synthetic Shared Person';
const ADDRESS = 'Flat 3, 12 Synthetic Row';

async function ok(pending: Promise<ApiResponse>): Promise<ApiResponse> {
  const response = await pending;
  if (response.status >= 300) throw new Error(`${response.status}: ${JSON.stringify(response.body)}`);
  return response;
}

/** A police case: an adult with a positive RG decision, placed in a safe house that `provider` runs. */
async function placedCase(api: Caller, token: string, provider: string): Promise<{ caseId: string; position: string }> {
  const caseId = randomUUID();
  const post = (path: string, body: unknown) => ok(api('POST', path, { token, body }));
  let response = await post('/cases', {
    caseId,
    identifiedOn: daysAgo(20),
    location: 'Synthetic location',
    encounterContext: 'police_operation',
    indicators: [],
    exploitationTypes: ['labour'],
    child: false,
    personal: { name: NAME },
  });
  const steps: [string, unknown][] = [
    ['consent', { givenOn: daysAgo(20), language: 'en', interpreterUsed: false }],
    ['nrm-referral', { submittedOn: daysAgo(19), competentAuthority: 'single_competent_authority', reference: 'R' }],
    ['reasonable-grounds-decision', { outcome: 'positive', decidedOn: daysAgo(15) }],
    [
      'placement',
      { placementId: randomUUID(), startedOn: daysAgo(14), provider, address: ADDRESS, emergencyOutsideNrm: false },
    ],
  ];
  for (const [path, body] of steps) response = await post(`/cases/${caseId}/${path}`, body);
  return { caseId, position: response.body.position as string };
}

const shareBody = (withAgency: string, scope: string, extra: Record<string, unknown> = {}) => ({
  shareId: randomUUID(),
  withAgency,
  purpose: 'support_provision',
  legalBasis: 'public_task_safeguarding',
  scope,
  consent: 'given',
  ...extra,
});

/**
 * Sharing a case with another agency, and transferring it, over HTTP against the built server:
 * who may read what at each step, the queues and the SPOC, and bad input refused with nothing
 * written. Dates count from the server's clock (the test's).
 */
describe('sharing between agencies', () => {
  jest.setTimeout(90_000);
  const server = useApiServerProcess();
  const api = server.call;
  const police = tokenFor('caseworker', 'police');
  const health = tokenFor('caseworker', 'health');
  const housing = tokenFor('caseworker', 'housing');
  const ngo = tokenFor('caseworker', 'ngo-support');
  const auditor = tokenFor('auditor', 'police');
  const as = (token: string) => ({
    post: (path: string, body: unknown) => api('POST', path, { token, body }),
    get: (path: string) => api('GET', path, { token }),
  });
  const eventTypes = async (caseId: string) =>
    ((await ok(as(auditor).get(`/cases/${caseId}/history?limit=500`))).body.events as { type: string }[]).map(
      (event) => event.type,
    );

  it('share → accept → read within scope, out-of-scope fields hidden → revoke → 403', async () => {
    const { caseId, position } = await placedCase(api, police, 'Synthetic Safe House Provider');
    // Once the case is projected (before, it is 404 to everyone), another agency may not read it.
    expect((await as(health).get(`/cases/${caseId}?minPosition=${position}`)).status).toBe(403);

    const terms = shareBody('health', 'summary_and_personal', { expiresOn: daysAhead(30), purpose: 'health_care' });
    const shared = await ok(as(police).post(`/cases/${caseId}/shares`, terms));
    // Offered, not accepted: still nothing to read, but it waits in health's queue and its SPOC's.
    expect((await as(health).get(`/cases/${caseId}?minPosition=${shared.body.position}`)).status).toBe(403);
    const awaiting = await ok(as(health).get(`/queues/shares-awaiting-response?minPosition=${shared.body.position}`));
    const item = (awaiting.body.items as { case: { caseId: string }; shares: unknown[]; fromAgency: string }[]).find(
      (row) => row.case.caseId === caseId,
    );
    expect(item).toMatchObject({
      fromAgency: 'police',
      shares: [
        { shareId: terms.shareId, purpose: 'health_care', scope: 'summary_and_personal', expiresOn: daysAhead(30) },
      ],
    });
    expect(JSON.stringify(awaiting.body)).not.toContain(NAME);
    const spoc = await ok(as(health).get('/queues/spoc'));
    expect(spoc.body.spoc).toEqual({ userId: 'health-spoc' });
    expect((spoc.body.items as { case: { caseId: string } }[]).map((row) => row.case.caseId)).toContain(caseId);

    // Only the agency it is offered to answers it.
    expect((await as(housing).post(`/cases/${caseId}/shares/acceptance`, { shareId: terms.shareId })).status).toBe(403);
    expect((await as(police).post(`/cases/${caseId}/shares/acceptance`, { shareId: terms.shareId })).status).toBe(403);
    const accepted = await ok(as(health).post(`/cases/${caseId}/shares/acceptance`, { shareId: terms.shareId }));

    const seen = await ok(as(health).get(`/cases/${caseId}?include=personal&minPosition=${accepted.body.position}`));
    expect(seen.body.personal).toMatchObject({ name: NAME });
    // The placement is shown, its address is not: outside this share's scope.
    expect(seen.body.placement).toMatchObject({ provider: 'Synthetic Safe House Provider' });
    expect(seen.body.placement).not.toHaveProperty('address');
    expect(JSON.stringify(seen.body)).not.toContain(ADDRESS);
    expect(seen.body.shares).toEqual([expect.objectContaining({ shareId: terms.shareId, status: 'accepted' })]);
    // Never the history, and never another agency's share.
    expect((await as(health).get(`/cases/${caseId}/history`)).status).toBe(403);
    const withUs = await ok(as(health).get('/queues/shared-with-agency'));
    expect((withUs.body.items as { case: { caseId: string } }[]).map((row) => row.case.caseId)).toContain(caseId);
    // The personal-data read is logged with the share's purpose and legal basis.
    const reads = await ok(as(tokenFor('auditor', 'police')).get(`/cases/${caseId}/personal-data-reads`));
    expect(JSON.stringify(reads.body)).toContain(
      `share ${terms.shareId}: health_care, legal basis public_task_safeguarding`,
    );

    // The owner sees every share.
    const owner = await ok(as(police).get(`/cases/${caseId}`));
    expect(owner.body.shares).toEqual([expect.objectContaining({ agency: 'health', status: 'accepted' })]);

    const revoked = await ok(
      as(police).post(`/cases/${caseId}/shares/revocation`, { shareId: terms.shareId, reason: 'Support ended' }),
    );
    const after = await as(health).get(`/cases/${caseId}?minPosition=${revoked.body.position}`);
    expect(after.status).toBe(403);
    expect(after.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await eventTypes(caseId)).toEqual(
      expect.arrayContaining(['CaseShared', 'CaseShareAccepted', 'CaseShareRevoked']),
    );
  });

  it('the safe-house address only under the placement scope, and only to the agency running the placement', async () => {
    const { caseId } = await placedCase(api, police, 'housing');
    const toHousing = shareBody('housing', 'summary_personal_and_placement');
    await ok(as(police).post(`/cases/${caseId}/shares`, toHousing));
    const toHealth = shareBody('health', 'summary_personal_and_placement');
    await ok(as(police).post(`/cases/${caseId}/shares`, toHealth));
    await ok(as(housing).post(`/cases/${caseId}/shares/acceptance`, { shareId: toHousing.shareId }));
    const last = await ok(as(health).post(`/cases/${caseId}/shares/acceptance`, { shareId: toHealth.shareId }));
    const at = `minPosition=${last.body.position}`;
    const byHousing = await ok(as(housing).get(`/cases/${caseId}?include=personal&${at}`));
    expect(byHousing.body.placement).toMatchObject({ address: ADDRESS });
    const byHealth = await ok(as(health).get(`/cases/${caseId}?include=personal&${at}`));
    expect(byHealth.body.personal).toMatchObject({ name: NAME });
    expect(JSON.stringify(byHealth.body)).not.toContain(ADDRESS);
  });

  it('a summary share shows the pathway and refuses personal details', async () => {
    const { caseId } = await placedCase(api, police, 'P');
    const terms = shareBody('housing', 'summary');
    await ok(as(police).post(`/cases/${caseId}/shares`, terms));
    const accepted = await ok(as(housing).post(`/cases/${caseId}/shares/acceptance`, { shareId: terms.shareId }));
    const summary = await ok(as(housing).get(`/cases/${caseId}?minPosition=${accepted.body.position}`));
    expect(summary.body).toMatchObject({ caseId, stage: 'recovery_period', personalDataShown: false });
    expect(JSON.stringify(summary.body)).not.toContain(NAME);
    expect((await as(housing).get(`/cases/${caseId}?include=personal`)).status).toBe(403);
  });

  it('decline: the receiving agency says why, and reads nothing', async () => {
    const { caseId } = await placedCase(api, police, 'P');
    const terms = shareBody('housing', 'summary');
    await ok(as(police).post(`/cases/${caseId}/shares`, terms));
    const declined = await ok(
      as(housing).post(`/cases/${caseId}/shares/decline`, { shareId: terms.shareId, reason: 'Not our area' }),
    );
    expect((await as(housing).get(`/cases/${caseId}?minPosition=${declined.body.position}`)).status).toBe(403);
    // Answered once.
    const again = await as(housing).post(`/cases/${caseId}/shares/acceptance`, { shareId: terms.shareId });
    expect(again.status).toBe(422);
    expect(JSON.stringify(again.body)).toContain('share-not-awaiting-response');
    const owner = await ok(as(police).get(`/cases/${caseId}`));
    expect(owner.body.shares).toEqual([expect.objectContaining({ agency: 'housing', status: 'declined' })]);
    const waiting = await ok(as(housing).get('/queues/shares-awaiting-response'));
    expect((waiting.body.items as { case: { caseId: string } }[]).map((row) => row.case.caseId)).not.toContain(caseId);
  });

  it('bad input is refused with problem+json and writes nothing', async () => {
    const { caseId } = await placedCase(api, police, 'P');
    const before = await eventTypes(caseId);
    const refusals: [unknown, number, string][] = [
      [shareBody('nowhere', 'summary'), 422, 'agency-not-configured'],
      [shareBody('police', 'summary'), 422, 'share-with-owning-agency'],
      [shareBody('health', 'everything'), 400, 'scope'],
      [shareBody('health', 'summary', { consent: undefined }), 422, 'share-consent-not-recorded'],
      [shareBody('health', 'summary', { legalBasis: 'consent', consent: 'refused' }), 422, 'share-consent-basis'],
      [shareBody('health', 'summary', { expiresOn: daysAgo(1) }), 422, 'share-expiry-in-past'],
      [shareBody('health', 'summary', { shareId: 'not-a-uuid' }), 400, 'shareId'],
    ];
    for (const [body, status, words] of refusals) {
      const response = await as(police).post(`/cases/${caseId}/shares`, body);
      expect([response.status, JSON.stringify(response.body)]).toEqual([status, expect.stringContaining(words)]);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    }
    const transfer = await as(police).post(`/cases/${caseId}/transfer`, {
      transferId: randomUUID(),
      toAgency: 'nowhere',
      reason: 'Moved',
    });
    expect(transfer.status).toBe(422);
    expect(await eventTypes(caseId)).toEqual(before);
  });

  it('transfer: the new agency accepts; it owns the case, its queues and SPOC have it, the old agency reads nothing', async () => {
    const { caseId } = await placedCase(api, police, 'P');
    const transferId = randomUUID();
    const asked = await ok(
      as(police).post(`/cases/${caseId}/transfer`, { transferId, toAgency: 'ngo-support', reason: 'Moved area' }),
    );
    const waiting = await ok(as(ngo).get(`/queues/transfers-awaiting-response?minPosition=${asked.body.position}`));
    expect(waiting.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ transfer: expect.objectContaining({ transferId, toAgency: 'ngo-support' }) }),
      ]),
    );
    expect((await as(ngo).get(`/cases/${caseId}`)).status).toBe(403);
    expect((await as(housing).post(`/cases/${caseId}/transfer/acceptance`, { transferId })).status).toBe(403);
    const done = await ok(as(ngo).post(`/cases/${caseId}/transfer/acceptance`, { transferId }));
    const at = `minPosition=${done.body.position}`;

    const byNgo = await ok(as(ngo).get(`/cases/${caseId}?include=personal&${at}`));
    expect(byNgo.body).toMatchObject({ owningAgency: 'ngo-support', identifyingAgency: 'police', assignee: null });
    expect(byNgo.body.personal).toMatchObject({ name: NAME });
    expect((await as(ngo).get(`/cases/${caseId}/history`)).status).toBe(200);
    const ngoSpoc = await ok(as(ngo).get(`/queues/spoc?${at}`));
    expect(ngoSpoc.body.spoc).toEqual({ userId: 'ngo-support-spoc' });
    expect((ngoSpoc.body.items as { case: { caseId: string } }[]).map((row) => row.case.caseId)).toContain(caseId);

    expect((await as(police).get(`/cases/${caseId}`)).status).toBe(403);
    const policeUnassigned = await ok(as(police).get('/queues/unassigned?limit=500'));
    expect((policeUnassigned.body.items as { case: { caseId: string } }[]).map((row) => row.case.caseId)).not.toContain(
      caseId,
    );
    // The old agency keeps only what a share from the new owner gives it.
    const back = shareBody('police', 'summary');
    await ok(as(ngo).post(`/cases/${caseId}/shares`, back));
    const kept = await ok(as(police).post(`/cases/${caseId}/shares/acceptance`, { shareId: back.shareId }));
    const summary = await ok(as(police).get(`/cases/${caseId}?minPosition=${kept.body.position}`));
    expect(summary.body).toMatchObject({ owningAgency: 'ngo-support', personalDataShown: false });
    expect((await as(police).get(`/cases/${caseId}?include=personal`)).status).toBe(403);
  });

  it('declining a transfer leaves the case where it was', async () => {
    const { caseId } = await placedCase(api, police, 'P');
    const transferId = randomUUID();
    await ok(as(police).post(`/cases/${caseId}/transfer`, { transferId, toAgency: 'housing', reason: 'Moved area' }));
    const declined = await ok(
      as(housing).post(`/cases/${caseId}/transfer/decline`, { transferId, reason: 'No capacity' }),
    );
    const view = await ok(as(police).get(`/cases/${caseId}?minPosition=${declined.body.position}`));
    expect(view.body).toMatchObject({ owningAgency: 'police', pendingTransfer: null });
  });

  it('GET /agencies lists every configured agency with its single point of contact', async () => {
    const listed = await ok(as(tokenFor('panel_member', 'housing')).get('/agencies'));
    expect(listed.body.agencies).toEqual(
      expect.arrayContaining([
        { id: 'health', type: 'health', firstResponder: false, dutyToNotify: false, spoc: { userId: 'health-spoc' } },
        expect.objectContaining({ id: 'glaa', spoc: null }),
      ]),
    );
  });
});

/**
 * A share ends by itself after its last day: the reminder writes `CaseShareExpired` once. The
 * case is recorded on today's clock, then the server is started again with libfaketime a day on
 * (the variables `clockEnv` passes): the expiry is past, the reminder subscription schedules it and
 * the processor records it; a SIGKILL and a fresh start later there is still exactly one.
 */
describe('a share expires by itself, exactly once', () => {
  jest.setTimeout(120_000);
  const jwt = new JwtService();
  let dataDir: string;
  const servers: ServerProcess[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-share-expiry-'));
  });
  afterAll(async () => {
    for (const server of servers) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * The server on this data, on the test's clock or `shiftDays` London calendar days on (libfaketime,
   * from an absolute start). Calendar days, not 24-hour days: the night the clocks go back, 24 hours
   * after 00:20 BST is 23:20 GMT on the same London date, still a share's last day.
   */
  async function serve(shiftDays: number): Promise<{ api: Caller; token: (role: string, agency: string) => string }> {
    const startAt = DateTime.now().setZone('Europe/London').plus({ days: shiftDays });
    const clock: Record<string, string> =
      shiftDays === 0
        ? {}
        : { LD_PRELOAD: libfaketime(), FAKETIME: `@${startAt.toUTC().toFormat('yyyy-MM-dd HH:mm:ss')}`, TZ: 'UTC' };
    const server = await startServer({
      DATA_DIR: dataDir,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      JWT_SECRET: E2E_SECRET,
      ...clock,
    });
    servers.push(server);
    const iat = Math.floor(startAt.toSeconds());
    return {
      api: (method, path, options) => call(server.url, method, path, options),
      token: (role, agency) =>
        jwt.sign({ role, agency, iat }, { secret: E2E_SECRET, subject: `e2e-${role}-${agency}`, expiresIn: '10m' }),
    };
  }
  const stop = async (signal: NodeJS.Signals) => {
    const server = servers.pop()!;
    server.child.kill(signal);
    await server.exited;
  };

  it('access ends after the last day, and the expiry is recorded once across a SIGKILL', async () => {
    const now = await serve(0);
    const police = now.token('caseworker', 'police');
    const { caseId } = await placedCase(now.api, police, 'P');
    const terms = shareBody('health', 'summary', { expiresOn: today() });
    await ok(now.api('POST', `/cases/${caseId}/shares`, { token: police, body: terms }));
    const accepted = await ok(
      now.api('POST', `/cases/${caseId}/shares/acceptance`, {
        token: now.token('caseworker', 'health'),
        body: { shareId: terms.shareId },
      }),
    );
    const read = await now.api('GET', `/cases/${caseId}?minPosition=${accepted.body.position}`, {
      token: now.token('caseworker', 'health'),
    });
    expect(read.status).toBe(200);
    await stop('SIGTERM');

    const expiries = async (server: { api: Caller; token: (role: string, agency: string) => string }) => {
      const history = await ok(
        server.api('GET', `/cases/${caseId}/history?limit=500`, { token: server.token('auditor', 'police') }),
      );
      return (history.body.events as { type: string; data: { shareId?: string } }[]).filter(
        (event) => event.type === 'CaseShareExpired',
      );
    };
    const waitFor = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
      const end = Date.now() + 30_000;
      for (;;) {
        const value = await read();
        if (done(value)) return value;
        if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(value)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };

    const tomorrow = await serve(1);
    expect(
      (await tomorrow.api('GET', `/cases/${caseId}`, { token: tomorrow.token('caseworker', 'health') })).status,
    ).toBe(403);
    const recorded = await waitFor(
      () => expiries(tomorrow),
      (events) => events.length > 0,
    );
    expect(recorded).toEqual([expect.objectContaining({ data: expect.objectContaining({ shareId: terms.shareId }) })]);
    await stop('SIGKILL');

    const again = await serve(1);
    // The restarted worker re-derives the reminders from the events: the expiry settled its deadline.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await expiries(again)).toHaveLength(1);
    const owner = await ok(again.api('GET', `/cases/${caseId}`, { token: again.token('caseworker', 'police') }));
    expect(owner.body.shares).toEqual([expect.objectContaining({ shareId: terms.shareId, status: 'expired' })]);
  });
});
