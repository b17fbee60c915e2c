import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServer } from '../support/api-client';
import { daysAhead, today } from '../support/dates';

/** The case command API over HTTP, on the built server, as a client sees it. */
describe('case API', () => {
  jest.setTimeout(60_000);
  const token = tokenFor;
  const caseworker = token('caseworker', 'police');
  const auditor = token('auditor', 'police');
  // Identified today, once for the file (the same identification sent twice must be the same): no
  // deadline of these cases falls due while the tests run, so no reminder joins their histories.
  const identifiedOn = today();

  const identification = (caseId: string) => ({
    caseId,
    identifiedOn,
    location: 'Car wash, Example Road',
    encounterContext: 'police_operation',
    indicators: ['withheld_documents'],
    exploitationTypes: ['labour'],
    child: false,
    nationality: 'Testland',
    personal: { name: 'Test Person D', aliases: ['TPD'] },
  });

  const call = useApiServer();
  const history = (caseId: string, query = '') => call('GET', `/cases/${caseId}/history${query}`, { token: auditor });

  it('opens a case and answers with its id, revision (ETag), position and location', async () => {
    const caseId = randomUUID();
    const created = await call('POST', '/cases', { token: caseworker, body: identification(caseId) });

    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"0"');
    expect(created.headers.get('location')).toBe(`/cases/${caseId}`);
    expect(created.body).toMatchObject({
      caseId,
      revision: '0',
      events: ['PotentialVictimIdentified'],
      replayed: false,
    });
    expect(created.body.position).toMatch(/^\d+\/\d+$/);
  });

  it('records who did it, when, and why, kept apart from the personal details', async () => {
    const caseId = randomUUID();
    await call('POST', '/cases', {
      token: caseworker,
      body: identification(caseId),
      headers: { 'x-correlation-id': 'corr-e2e-1' },
    });

    const own = await call('GET', `/cases/${caseId}/history`, { token: caseworker });
    expect(own.status).toBe(200);
    expect(own.body.events[0]).toMatchObject({
      revision: '0',
      type: 'PotentialVictimIdentified',
      actor: { userId: 'e2e-caseworker-police', role: 'caseworker', agency: 'police' },
      correlationId: 'corr-e2e-1',
      schemaVersion: 3,
      data: { identifyingAgency: 'police', personal: { name: 'Test Person D' } },
    });
    const audit = await history(caseId);
    expect(audit.body.personalDataShown).toBe(false);
    expect(audit.body.events[0].data).not.toHaveProperty('personal');
    expect(audit.body.events[0].data).toMatchObject({ nationality: 'Testland' });
    const withReason = await history(caseId, '?reason=' + encodeURIComponent('Subject access request SAR-123'));
    expect(withReason.body.events[0].data.personal).toEqual({ name: 'Test Person D', aliases: ['TPD'] });

    // Each read that showed personal details is itself on record: who, when, why. The one without a reason is not.
    const reads = await call('GET', `/cases/${caseId}/personal-data-reads`, { token: auditor });
    expect(reads.body.reads).toEqual([
      expect.objectContaining({
        reader: { userId: 'e2e-caseworker-police', role: 'caseworker', agency: 'police' },
        what: 'case history',
      }),
      expect.objectContaining({
        reader: { userId: 'e2e-auditor-police', role: 'auditor', agency: 'police' },
        reason: 'Subject access request SAR-123',
      }),
    ]);
    expect((await call('GET', `/cases/${caseId}/personal-data-reads`, { token: caseworker })).status).toBe(403);
  });

  it('treats creating the same case twice as one creation', async () => {
    const caseId = randomUUID();
    const first = await call('POST', '/cases', { token: caseworker, body: identification(caseId) });
    const again = await call('POST', '/cases', { token: caseworker, body: identification(caseId) });

    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect((await history(caseId)).body.events).toHaveLength(1);
  });

  it('refuses a different identification under an existing case id with the rule name (422)', async () => {
    const caseId = randomUUID();
    await call('POST', '/cases', { token: caseworker, body: identification(caseId) });
    const clash = await call('POST', '/cases', {
      token: caseworker,
      body: { ...identification(caseId), location: 'Elsewhere' },
    });

    expect(clash.status).toBe(422);
    expect(clash.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(clash.body).toMatchObject({ status: 422, rule: 'case-already-identified', instance: '/cases' });
    expect((await history(caseId)).body.events).toHaveLength(1);
  });

  describe('bad input gets a 4xx problem and writes nothing', () => {
    const cases: [
      string,
      (caseId: string) => { token?: string; body?: unknown; raw?: string },
      number,
      Record<string, unknown>,
    ][] = [
      ['no token', (id) => ({ body: identification(id) }), 401, { title: 'Unauthorized' }],
      [
        'a token signed with another key',
        (id) => ({ token: token('caseworker', 'police', 'x'.repeat(40)), body: identification(id) }),
        401,
        {},
      ],
      [
        'an agency that is not configured',
        (id) => ({ token: token('caseworker', 'nowhere'), body: identification(id) }),
        401,
        {},
      ],
      ['a role that may not identify', (id) => ({ token: auditor, body: identification(id) }), 403, {}],
      [
        'an unknown field',
        (id) => ({ token: caseworker, body: { ...identification(id), favouriteColour: 'blue' } }),
        400,
        { errors: [{ field: 'favouriteColour', problems: ['property favouriteColour should not exist'] }] },
      ],
      [
        'a missing field',
        (id) => ({ token: caseworker, body: { ...identification(id), location: undefined } }),
        400,
        { errors: [expect.objectContaining({ field: 'location' })] },
      ],
      [
        'a wrong type',
        (id) => ({ token: caseworker, body: { ...identification(id), child: 'no' } }),
        400,
        { errors: [expect.objectContaining({ field: 'child' })] },
      ],
      [
        'a date that does not exist',
        (id) => ({ token: caseworker, body: { ...identification(id), identifiedOn: '2026-02-30' } }),
        400,
        { errors: [expect.objectContaining({ field: 'identifiedOn' })] },
      ],
      [
        'a value outside a closed list',
        (id) => ({ token: caseworker, body: { ...identification(id), exploitationTypes: ['gardening'] } }),
        400,
        {},
      ],
      [
        'a nested personal field of the wrong type',
        (id) => ({ token: caseworker, body: { ...identification(id), personal: { name: 7 } } }),
        400,
        { errors: [expect.objectContaining({ field: 'personal.name' })] },
      ],
      [
        'a date in the future',
        // Two days ahead: still the future if London's midnight passes during the request.
        (id) => ({ token: caseworker, body: { ...identification(id), identifiedOn: daysAhead(2) } }),
        422,
        { rule: 'date-in-future' },
      ],
      ['malformed JSON', () => ({ token: caseworker, raw: '{"caseId": ' }), 400, {}],
    ];

    it.each(cases)('%s', async (_, request, status, expected) => {
      const caseId = randomUUID();
      const response = await call('POST', '/cases', request(caseId));

      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status, ...expected });
      expect((await history(caseId)).status).toBe(404);
    });
  });

  it('shows a case history only to auditors and the case’s own agency', async () => {
    const caseId = randomUUID();
    await call('POST', '/cases', { token: caseworker, body: identification(caseId) });
    const other = await call('GET', `/cases/${caseId}/history`, { token: token('caseworker', 'health') });
    expect(other.status).toBe(403);
    expect((await call('GET', `/cases/not-a-uuid/history`, { token: auditor })).status).toBe(400);
  });

  it('publishes an OpenAPI document generated from the code, schemas from the validators', async () => {
    const docs = await call('GET', '/docs/openapi.json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths as object)).toEqual(
      expect.arrayContaining([
        '/cases',
        '/cases/{caseId}/reasonable-grounds-decision',
        '/marac/meetings/{meetingId}/actions',
      ]),
    );
    const identify = docs.body.components.schemas.IdentifyPotentialVictimDto;
    expect(identify.required).toEqual(
      expect.arrayContaining(['identifiedOn', 'location', 'exploitationTypes', 'child', 'personal']),
    );
    expect(identify.properties.identifiedOn).toEqual({ type: 'string', format: 'date' });
    expect(identify.properties.encounterContext.enum).toContain('police_operation');
  });
});
