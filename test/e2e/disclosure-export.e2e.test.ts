import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tokenFor, useApiServerProcess, type ApiResponse } from '../support/api-client';
import { daysAgo } from '../support/dates';
import { assertDocumentedResponse } from '../support/response-validation';

/** What the test reads of a bundle. */
interface Bundle {
  events: { revision: number; dataJson: string; leafIndex: number }[];
  timeline: { type: string }[];
  html: string;
}

/** The verifier shipped in the repo, run as the recipient of a bundle would: node and the file, nothing else. */
const VERIFIER = join(__dirname, '..', '..', 'libs', 'audit', 'verify-bundle.mjs');

/**
 * `GET /cases/:id/export` against the built server: the bundle an auditor (with a reason) or the
 * case's own agency downloads, checked offline by `verify-bundle.mjs` exactly as it came over
 * HTTP, refused to everyone else, and recorded in the case's access log.
 */
describe('the disclosure export of a case', () => {
  jest.setTimeout(120_000);
  // A head at most a second after an event, so the test does not wait a minute.
  const server = useApiServerProcess({ AUDIT_TREE_HEAD_SECONDS: '1' });
  const police = tokenFor('caseworker', 'police');
  const auditor = tokenFor('auditor', 'home-office');
  const caseId = randomUUID();
  const reason = 'Subject access request SAR-2026-41';
  /** A name as a person might type it, markup and all: the HTML page must show it, not run it. */
  const name = `<script>alert(1)</script> Synthetic Export Person ${randomUUID().slice(0, 8)}`;
  const address = `Flat ${randomUUID().slice(0, 8)}, 2 Synthetic Road`;
  let dir: string;

  const ok = async (response: Promise<ApiResponse>) => {
    const answered = await response;
    if (answered.status >= 300) throw new Error(`${answered.status} ${JSON.stringify(answered.body)}`);
    return answered;
  };
  const act = (path: string, body: unknown) =>
    ok(server.call('POST', `/cases/${caseId}/${path}`, { token: police, body }));

  /** The export as the bytes that came over HTTP. */
  async function download(query: string, token: string): Promise<{ status: number; headers: Headers; text: string }> {
    const response = await fetch(`${server.url()}/cases/${caseId}/export${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const answer = { status: response.status, headers: response.headers, text: await response.text() };
    const contentType = response.headers.get('content-type');
    await assertDocumentedResponse(server.url(), 'GET', `/cases/${caseId}/export${query}`, {
      status: answer.status,
      contentType,
      body: /json/.test(contentType ?? '') ? JSON.parse(answer.text) : answer.text,
    });
    return answer;
  }

  async function verify(text: string): Promise<{ code: number; out: string }> {
    const file = join(dir, `bundle-${randomUUID()}.json`);
    writeFileSync(file, text);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [VERIFIER, file]);
      return { code: 0, out: stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout + failed.stderr };
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marac-export-'));
    await ok(
      server.call('POST', '/cases', {
        token: police,
        body: {
          caseId,
          identifiedOn: daysAgo(12),
          location: 'Synthetic location',
          encounterContext: 'police_operation',
          indicators: ['withheld_documents'],
          exploitationTypes: ['labour'],
          child: false,
          area: 'West',
          personal: { name },
        },
      }),
    );
    await act('consent', { givenOn: daysAgo(11), language: 'en', interpreterUsed: false });
    await act('nrm-referral', {
      submittedOn: daysAgo(11),
      competentAuthority: 'single_competent_authority',
      reference: 'NRM-EXPORT-1',
    });
    await act('reasonable-grounds-decision', { outcome: 'positive', decidedOn: daysAgo(9) });
    await act('placement', {
      placementId: randomUUID(),
      startedOn: daysAgo(8),
      provider: 'Synthetic Safe House Provider',
      address,
      emergencyOutsideNrm: false,
    });
    await act('notes', { noteId: randomUUID(), text: 'A synthetic note' });
    // Until a signed head covers all six events, the export holds fewer: wait for the proof route to say so.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const proof = await server.call('GET', `/cases/${caseId}/proof`, { token: auditor });
      if (proof.status === 200 && proof.body.proofs.length === 6 && proof.body.notCovered.length === 0) break;
      if (Date.now() > deadline) throw new Error(`never covered: ${proof.status} ${JSON.stringify(proof.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives an auditor with a reason a bundle that verifies offline, as downloaded', async () => {
    const answer = await download(`?reason=${encodeURIComponent(reason)}`, auditor);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="case-${caseId}-disclosure.json"`);
    const result = await verify(answer.text);
    expect(result).toEqual({
      code: 0,
      out: expect.stringContaining(`bundle verifies: 6 events in 1 streams of case ${caseId}`),
    });

    const bundle = JSON.parse(answer.text) as Bundle;
    expect(bundle).toMatchObject({
      format: 'marac-disclosure-bundle/1',
      caseId,
      reason,
      notYetCovered: 0,
      exportedBy: { userId: 'e2e-auditor-home-office', role: 'auditor', agency: 'home-office' },
    });
    expect(bundle.events.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4, 5]);
    // The events as stored: personal fields sealed, never in clear.
    const stored = JSON.stringify(bundle.events);
    expect(stored).not.toContain(name);
    expect(stored).not.toContain(address);
    expect(stored).toContain('$sealed');
    // The timeline as an auditor with a reason reads it: the person, never the safe-house address.
    expect(bundle.timeline.map((step) => step.type)).toEqual([
      'PotentialVictimIdentified',
      'ConsentGiven',
      'NrmReferralSubmitted',
      'ReasonableGroundsDecisionMade',
      'SafeHousePlacementStarted',
      'NoteAdded',
    ]);
    expect(JSON.stringify(bundle.timeline)).toContain(name);
    expect(answer.text).not.toContain(address);
    // The page: every event, and the name's markup shown as text, never as markup.
    expect(bundle.html).toContain(`Disclosure bundle: case ${caseId}`);
    expect(bundle.html).toContain('ReasonableGroundsDecisionMade');
    expect(bundle.html).toContain(name.replace('<script>', '&lt;script&gt;').replace('</script>', '&lt;/script&gt;'));
    expect(bundle.html).not.toContain('<script>');
    expect(bundle.html).toContain(reason);
  });

  it('fails verification for one changed byte of an event, a removed event, or a changed proof', async () => {
    const { text } = await download(`?reason=${encodeURIComponent(reason)}`, auditor);
    const bundle = JSON.parse(text) as Bundle;
    const changedByte = structuredClone(bundle);
    changedByte.events[3]!.dataJson = changedByte.events[3]!.dataJson.replace('positive', 'negative');
    expect(await verify(JSON.stringify(changedByte))).toMatchObject({
      code: 1,
      out: expect.stringMatching(/revision 3: .*altered/),
    });
    const removed = structuredClone(bundle);
    removed.events.splice(2, 1);
    expect((await verify(JSON.stringify(removed))).code).toBe(1);
    const proof = structuredClone(bundle);
    proof.events[0]!.leafIndex += 1;
    expect((await verify(JSON.stringify(proof))).code).toBe(1);
  });

  it('gives the case’s own caseworker the bundle with the address; refuses everyone else', async () => {
    const own = await download('', police);
    expect(own.status).toBe(200);
    expect((await verify(own.text)).code).toBe(0);
    expect(JSON.stringify((JSON.parse(own.text) as Bundle).timeline)).toContain(address);

    const refused: [string, string][] = [
      ['auditor without a reason', ''],
      ['auditor with a reason too short to say anything', '?reason=because'],
    ];
    for (const [, query] of refused) {
      const answer = await server.call('GET', `/cases/${caseId}/export${query}`, { token: auditor });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('content-type')).toMatch(/problem\+json/);
      expect(answer.body.detail).toMatch(/must say why/);
    }
    for (const token of [
      tokenFor('caseworker', 'health'),
      tokenFor('panel_member', 'housing'),
      tokenFor('marac_coordinator', 'la-adult-services'),
      tokenFor('data_protection', 'police'),
      tokenFor('admin', 'police'),
    ]) {
      const answer = await server.call('GET', `/cases/${caseId}/export`, { token });
      expect(answer.status).toBe(403);
      expect(JSON.stringify(answer.body)).not.toContain(name);
    }
  });

  it('answers bad input with 400 and an unknown case with 404, as problem+json', async () => {
    const cases: [string, number][] = [
      ['/cases/not-a-uuid/export', 400],
      [`/cases/${caseId}/export?reason=${'x'.repeat(501)}`, 400],
      [`/cases/${caseId}/export?format=pdf`, 400],
      [`/cases/${randomUUID()}/export?reason=${encodeURIComponent(reason)}`, 404],
    ];
    for (const [path, status] of cases) {
      const answer = await server.call('GET', path, { token: auditor });
      expect([path, answer.status]).toEqual([path, status]);
      expect(answer.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('records each export in the case’s access log, with who and why', async () => {
    const deadline = Date.now() + 10_000;
    let exports: Record<string, unknown>[] = [];
    while (Date.now() < deadline) {
      const log = await ok(server.call('GET', `/cases/${caseId}/access-log?limit=1000`, { token: auditor }));
      exports = (log.body.reads as Record<string, unknown>[]).filter(
        (read) => read.route === 'GET /cases/{caseId}/export',
      );
      if (exports.length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(exports.map(({ reader, reason: why }) => ({ reader, reason: why }))).toEqual([
      { reader: { userId: 'e2e-auditor-home-office', role: 'auditor', agency: 'home-office' }, reason },
      { reader: { userId: 'e2e-auditor-home-office', role: 'auditor', agency: 'home-office' }, reason },
      { reader: { userId: 'e2e-caseworker-police', role: 'caseworker', agency: 'police' }, reason: null },
    ]);
  });
});
