import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServerProcess, type ApiResponse } from '../support/api-client';
import { daysAgo } from '../support/dates';
import { logEntries } from '../support/server-process';

/**
 * The service's log, as a collector reads it: one JSON object per line; a request entry per request
 * with its id, route template, status, latency and actor; the start banner; Nest's route lines
 * kept to debug; and none of the personal data the requests carried, anywhere in the output.
 */
describe('structured logs', () => {
  jest.setTimeout(60_000);
  const server = useApiServerProcess();
  const police = tokenFor('caseworker', 'police');
  const tag = randomUUID().slice(0, 8);
  const secrets = {
    name: `Logged Person ${tag}`,
    contact: `log-contact-${tag}@example.invalid`,
    address: `Flat ${tag}, 4 Logging Lane`,
    note: `Log note ${tag}`,
    reason: `Subject access request LOG-${tag}`,
  };
  async function ok(pending: Promise<ApiResponse>): Promise<ApiResponse> {
    const response = await pending;
    if (response.status >= 300) throw new Error(`${response.status}: ${JSON.stringify(response.body)}`);
    return response;
  }

  it('writes JSON lines, a request entry per request, and never the personal data the requests carried', async () => {
    const caseId = randomUUID();
    const post = (path: string, body: unknown) => ok(server.call('POST', path, { token: police, body }));
    await post('/cases', {
      caseId,
      identifiedOn: daysAgo(10),
      location: 'Synthetic location',
      encounterContext: 'police_operation',
      indicators: [],
      exploitationTypes: ['labour'],
      child: false,
      personal: { name: secrets.name, contact: secrets.contact },
    });
    await post(`/cases/${caseId}/consent`, { givenOn: daysAgo(9), language: 'en', interpreterUsed: false });
    await post(`/cases/${caseId}/nrm-referral`, {
      submittedOn: daysAgo(9),
      competentAuthority: 'single_competent_authority',
      reference: 'R',
    });
    await post(`/cases/${caseId}/reasonable-grounds-decision`, { outcome: 'positive', decidedOn: daysAgo(8) });
    await post(`/cases/${caseId}/placement`, {
      placementId: randomUUID(),
      startedOn: daysAgo(7),
      provider: 'P',
      address: secrets.address,
      emergencyOutsideNrm: false,
    });
    const noted = await post(`/cases/${caseId}/notes`, { noteId: randomUUID(), text: secrets.note });
    const read = await ok(
      server.call('GET', `/cases/${caseId}?include=personal&minPosition=${noted.body.position}`, { token: police }),
    );
    expect(read.body.personal).toMatchObject({ name: secrets.name });
    const auditor = tokenFor('auditor', 'police');
    await ok(
      server.call('GET', `/cases/${caseId}/history?reason=${encodeURIComponent(secrets.reason)}`, { token: auditor }),
    );
    const refused = await server.call('GET', `/cases/${caseId}`, { token: tokenFor('caseworker', 'health') });
    expect(refused.status).toBe(403);
    const requestId = read.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The entries are written as each response finishes.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const output = server.output();
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
    const entries = logEntries(output);
    expect(entries).toHaveLength(lines.length);
    for (const entry of entries) expect(entry).toMatchObject({ level: expect.any(String), time: expect.any(String) });
    expect(entries).toContainEqual(
      expect.objectContaining({ context: 'Main', msg: expect.stringContaining('is listening on'), level: 'info' }),
    );
    // Nest's line per route is at debug: not in a log at `log` level.
    expect(entries.filter((entry) => entry.context === 'RouterExplorer')).toEqual([]);

    const requests = entries.filter((entry) => entry.msg === 'request');
    expect(requests.find((entry) => entry.requestId === requestId)).toEqual(
      expect.objectContaining({
        context: 'Http',
        method: 'GET',
        route: '/cases/:caseId',
        status: 200,
        latencyMs: expect.any(Number),
        actor: { userId: 'e2e-caseworker-police', role: 'caseworker', agency: 'police' },
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        route: '/cases/:caseId',
        status: 403,
        actor: expect.objectContaining({ agency: 'health' }),
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ method: 'POST', route: '/cases/:caseId/notes', status: 200 }),
    );
    // Never a path with its ids, a query or a body: and so none of the personal data sent or shown.
    expect(output).not.toContain(caseId);
    expect(Object.entries(secrets).filter(([, value]) => output.includes(value))).toEqual([]);
  });
});
