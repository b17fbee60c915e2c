import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { tokenFor, useApiServer, useApiServerProcess } from '../support/api-client';
import { identifyCaseBody } from '../support/case-bodies';
import { daysAgo, today } from '../support/dates';

/**
 * Every read of a case is recorded (issue 16, item 5): the view, the history, the view as of a
 * past point, the replay, and each MARAC agenda listing it (now or as it stood), with who, when,
 * route and reason; auditors page through it at `GET /cases/:id/access-log`. Reading never
 * changes the case itself.
 */
describe('the access log of a case', () => {
  jest.setTimeout(60_000);
  const call = useApiServer();
  const caseworker = tokenFor('caseworker', 'police');
  const coordinator = tokenFor('marac_coordinator', 'la-adult-services');
  const auditor = tokenFor('auditor', 'home-office');
  const caseId = randomUUID();
  const meetingId = randomUUID();
  let position = '';

  beforeAll(async () => {
    const created = await call('POST', '/cases', {
      token: caseworker,
      body: {
        caseId,
        identifiedOn: today(),
        location: 'Synthetic location',
        encounterContext: 'community_report',
        indicators: [],
        exploitationTypes: ['labour'],
        child: false,
        personal: { name: 'Synthetic Access Log Person' },
      },
    });
    expect(created.status).toBe(201);
    const referred = await call('POST', `/cases/${caseId}/marac-referrals`, {
      token: caseworker,
      body: { referredOn: today(), reason: 'Synthetic referral' },
    });
    expect(referred.status).toBe(200);
    const scheduled = await call('POST', '/marac/meetings', {
      token: coordinator,
      body: { meetingId, area: 'Synthetic', meetsOn: daysAgo(1), attendingAgencies: ['police'] },
    });
    expect(scheduled.status).toBe(201);
    const listed = await call('POST', `/marac/meetings/${meetingId}/cases`, { token: coordinator, body: { caseId } });
    expect(listed.status).toBe(200);
    position = listed.body.position as string;
  });

  const log = async (query = '') => call('GET', `/cases/${caseId}/access-log${query}`, { token: auditor });

  it('records the view, the history, an agenda listing the case, the view as of, the replay and a past agenda, each with who, route and reason', async () => {
    const before = ((await log()).body.reads as unknown[]).length;
    expect((await call('GET', `/cases/${caseId}?minPosition=${position}`, { token: caseworker })).status).toBe(200);
    expect((await call('GET', `/cases/${caseId}/history`, { token: caseworker })).status).toBe(200);
    const reason = 'Synthetic audit of the referral';
    expect(
      (await call('GET', `/cases/${caseId}?reason=${encodeURIComponent(reason)}`, { token: auditor })).status,
    ).toBe(200);
    const agenda = await call('GET', `/marac/meetings/${meetingId}/agenda?minPosition=${position}`, {
      token: coordinator,
    });
    expect(agenda.status).toBe(200);
    expect((await call('GET', `/cases/${caseId}?revision=0`, { token: caseworker })).status).toBe(200);
    expect((await call('GET', `/cases/${caseId}/replay`, { token: caseworker })).status).toBe(200);
    const heldAt = new Date().toISOString();
    expect(
      (await call('GET', `/marac/meetings/${meetingId}/agenda?asOf=${heldAt}`, { token: coordinator })).status,
    ).toBe(200);

    const answer = await log();
    expect(answer.status).toBe(200);
    const reads = (answer.body.reads as Record<string, unknown>[]).slice(before);
    expect(reads.map(({ reader, route, reason }) => ({ reader, route, reason }))).toEqual([
      {
        reader: { userId: 'e2e-caseworker-police', role: 'caseworker', agency: 'police' },
        route: 'GET /cases/{caseId}',
        reason: null,
      },
      {
        reader: { userId: 'e2e-caseworker-police', role: 'caseworker', agency: 'police' },
        route: 'GET /cases/{caseId}/history',
        reason: null,
      },
      {
        reader: { userId: 'e2e-auditor-home-office', role: 'auditor', agency: 'home-office' },
        route: 'GET /cases/{caseId}',
        reason,
      },
      {
        reader: {
          userId: 'e2e-marac_coordinator-la-adult-services',
          role: 'marac_coordinator',
          agency: 'la-adult-services',
        },
        route: `GET /marac/meetings/${meetingId}/agenda`,
        reason: null,
      },
      {
        reader: { userId: 'e2e-caseworker-police', role: 'caseworker', agency: 'police' },
        route: 'GET /cases/{caseId}?revision=',
        reason: null,
      },
      {
        reader: { userId: 'e2e-caseworker-police', role: 'caseworker', agency: 'police' },
        route: 'GET /cases/{caseId}/replay',
        reason: null,
      },
      {
        reader: {
          userId: 'e2e-marac_coordinator-la-adult-services',
          role: 'marac_coordinator',
          agency: 'la-adult-services',
        },
        route: `GET /marac/meetings/${meetingId}/agenda?asOf=`,
        reason: null,
      },
    ]);
    const times = reads.map((read) => Date.parse(read.readAt as string));
    expect(times.every((time, index) => index === 0 || time >= times[index - 1]!)).toBe(true);
  });

  it('a refused read is not served and not recorded; reading the log is not itself a read of the case', async () => {
    const before = ((await log()).body.reads as unknown[]).length;
    const otherAgency = tokenFor('caseworker', 'health');
    expect((await call('GET', `/cases/${caseId}`, { token: otherAgency })).status).toBe(403);
    await log();
    expect(((await log()).body.reads as unknown[]).length).toBe(before);
  });

  it('never changes the case: its revision is the same after any number of reads', async () => {
    const revisions = async () =>
      ((await call('GET', `/cases/${caseId}/history`, { token: auditor })).body.events as { revision: string }[]).map(
        (event) => event.revision,
      );
    const first = await revisions();
    for (let n = 0; n < 3; n++) await call('GET', `/cases/${caseId}`, { token: caseworker });
    expect(await revisions()).toEqual(first);
  });

  it('pages with limit and after, and refuses bad paging or another role (problem+json, nothing written)', async () => {
    const all = (await log('?limit=1000')).body.reads as object[];
    expect(all.length).toBeGreaterThanOrEqual(4);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page = await log(`?limit=2${after === null ? '' : `&after=${after}`}`);
      expect(page.status).toBe(200);
      expect(page.body.reads.length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.reads as object[]).map((read) => JSON.stringify(read)));
      after = page.body.next as string | null;
    } while (after !== null);
    expect(seen).toEqual(all.map((read) => JSON.stringify(read)));

    for (const query of ['?limit=0', '?limit=1001', '?after=-1', '?after=x', '?other=1']) {
      const refused = await log(query);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    }
    for (const token of [caseworker, coordinator, tokenFor('panel_member', 'police')]) {
      expect((await call('GET', `/cases/${caseId}/access-log`, { token })).status).toBe(403);
    }
    expect(((await log('?limit=1000')).body.reads as unknown[]).length).toBe(all.length);
  });
});

describe('the access log’s index', () => {
  jest.setTimeout(60_000);
  const prefix = `e2e-read-log-${randomUUID().slice(0, 8)}`;
  const server = useApiServerProcess({ REDIS_KEY_PREFIX: prefix });
  const caseworker = tokenFor('caseworker', 'police');

  it('is kept up by the worker without anyone asking for the log', async () => {
    const caseId = randomUUID();
    const created = await server.call('POST', '/cases', {
      token: caseworker,
      body: identifyCaseBody(caseId, 'Synthetic Indexed Person', 0),
    });
    expect(created.status).toBe(201);
    for (let n = 0; n < 3; n++) {
      const read = await server.call('GET', `/cases/${caseId}?minPosition=${created.body.position as string}`, {
        token: caseworker,
      });
      expect(read.status).toBe(200);
    }
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    try {
      // The worker catches up every 5 s; nothing here reads the access log.
      let indexed = 0;
      for (const deadline = Date.now() + 15_000; indexed < 3 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        indexed = await redis.zcard(`${prefix}:read-log:case:${caseId}`);
      }
      expect(indexed).toBe(3);
      expect(await redis.get(`${prefix}:read-log:checkpoint`)).toMatch(/^\d+\/\d+$/);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });
});
