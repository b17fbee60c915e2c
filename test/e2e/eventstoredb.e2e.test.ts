import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, E2E_SECRET, tokenFor } from '../support/api-client';
import { identifyCaseBody } from '../support/case-bodies';
import { today } from '../support/dates';
import { startEsdbProtocolServer, type EsdbProtocolServer } from '../support/esdb-protocol-server';
import { startServer, type ServerProcess } from '../support/server-process';
import { TreeHeadSigningKey } from '../../libs/audit/src/tree-heads';
import { KeyEncryptionKey } from '../../libs/personal-data/src/key-encryption-key';

/**
 * The whole app on the production path: configured for EventStoreDB (the real client library)
 * against the in-process protocol server, not only the adapter.
 */
describe('the app on EventStoreDB', () => {
  jest.setTimeout(60_000);
  let esdb: EsdbProtocolServer;
  let app: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    esdb = await startEsdbProtocolServer();
    dataDir = mkdtempSync(join(tmpdir(), 'marac-esdb-e2e-'));
    app = await startServer({
      DATA_DIR: dataDir,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      JWT_SECRET: E2E_SECRET,
      EVENTSTORE_CONNECTION_STRING: esdb.connectionString,
      KEY_ENCRYPTION_KEY: KeyEncryptionKey.generateText(),
      AUDIT_SIGNING_KEY: TreeHeadSigningKey.generateText(),
    });
  });
  afterAll(async () => {
    app.child.kill('SIGTERM');
    await app.exited;
    await esdb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('identifies, refers, records a positive RG decision and an exit, all stored in EventStoreDB', async () => {
    const health = await call(app.url, 'GET', '/health');
    expect(health).toMatchObject({
      status: 200,
      body: { info: { eventStore: { status: 'up', adapter: expect.stringMatching(/^EventStoreDB at esdb:/) } } },
    });

    const token = tokenFor('caseworker', 'police');
    const caseId = randomUUID();
    const post = (path: string, body: unknown) => call(app.url, 'POST', path, { token, body });
    // The whole pathway dated today: none of its deadlines falls due while the test runs, so the
    // reminder processor the server runs has nothing to add to the stream.
    const on = today();
    expect(
      (
        await post('/cases', {
          caseId,
          identifiedOn: on,
          location: 'Test location',
          encounterContext: 'police_operation',
          indicators: ['debt_bondage'],
          exploitationTypes: ['labour'],
          child: true,
          personal: { name: 'Test Person H' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await post(`/cases/${caseId}/nrm-referral`, {
          submittedOn: on,
          competentAuthority: 'single_competent_authority',
          reference: 'E-1',
        })
      ).status,
    ).toBe(200);
    expect(
      (await post(`/cases/${caseId}/reasonable-grounds-decision`, { outcome: 'positive', decidedOn: on })).status,
    ).toBe(200);
    const exit = await post(`/cases/${caseId}/exit`, { exitedOn: on, reason: 'repatriated' });
    expect(exit).toMatchObject({ status: 200, body: { revision: '3' } });
    expect(exit.headers.get('etag')).toBe('"3"');

    // The events are in the EventStoreDB server's log, in order, with our metadata.
    const stored = esdb.log.stream(`case-${caseId}`) ?? [];
    expect(stored.map((event) => event.type)).toEqual([
      'PotentialVictimIdentified',
      'NrmReferralSubmitted',
      'ReasonableGroundsDecisionMade',
      'ExitedNrm',
    ]);
    const history = await call(app.url, 'GET', `/cases/${caseId}/history`, {
      token: tokenFor('auditor', 'home-office'),
    });
    expect((history.body.events as { actor: { agency: string } }[]).map((e) => e.actor.agency)).toEqual([
      'police',
      'police',
      'police',
      'police',
    ]);

    // A rule still refuses, and nothing is written.
    const twice = await post(`/cases/${caseId}/exit`, { exitedOn: on, reason: 'left_support' });
    expect(twice).toMatchObject({ status: 422, body: { rule: 'exit-already-recorded' } });
    // The refused exit wrote nothing.
    expect(esdb.log.stream(`case-${caseId}`) ?? []).toHaveLength(4);
  });

  it('records reads in the read log on EventStoreDB and pages a case’s access log from it', async () => {
    const token = tokenFor('caseworker', 'police');
    const auditor = tokenFor('auditor', 'home-office');
    const caseId = randomUUID();
    const created = await call(app.url, 'POST', '/cases', {
      token,
      body: identifyCaseBody(caseId, 'Test Person R', 0),
    });
    expect(created.status).toBe(201);
    const minPosition = created.body.position as string;
    expect((await call(app.url, 'GET', `/cases/${caseId}?minPosition=${minPosition}`, { token })).status).toBe(200);
    expect(
      (await call(app.url, 'GET', `/cases/${caseId}/history?reason=Synthetic%20audit`, { token: auditor })).status,
    ).toBe(200);
    expect((await call(app.url, 'GET', `/cases/${caseId}`, { token })).status).toBe(200);

    const first = await call(app.url, 'GET', `/cases/${caseId}/access-log?limit=2`, { token: auditor });
    expect(first.status).toBe(200);
    const rest = await call(app.url, 'GET', `/cases/${caseId}/access-log?after=${first.body.next as string}`, {
      token: auditor,
    });
    const reads = [
      ...(first.body.reads as Record<string, unknown>[]),
      ...(rest.body.reads as Record<string, unknown>[]),
    ];
    expect(reads.map(({ route, reader, reason }) => [route, (reader as { role: string }).role, reason])).toEqual([
      ['GET /cases/{caseId}', 'caseworker', null],
      ['GET /cases/{caseId}/history', 'auditor', 'Synthetic audit'],
      ['GET /cases/{caseId}', 'caseworker', null],
    ]);
    expect(rest.body.next).toBeNull();
    // Each read names the event that records it, and that event is in the EventStoreDB server's log.
    for (const read of reads) {
      const events = esdb.log.stream(read.stream as string) ?? [];
      expect(events.map((event) => event.type)).toContain('CasesRead');
    }
  });
});
