import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServerProcess } from '../support/api-client';
import { consentBody, identifyCaseBody } from '../support/case-bodies';

/**
 * Prometheus `/metrics` on the built server: for the admin role; scraped before and after a few
 * commands, its series move as the commands, read models and reminders did, and it names no case
 * and nothing a person wrote.
 */
describe('/metrics', () => {
  jest.setTimeout(90_000);
  // A day lasts a second: the referral decision's reminders fire while the test runs.
  const server = useApiServerProcess({ DEADLINE_SECONDS_PER_DAY: '1' });
  const admin = tokenFor('admin', 'police');
  const police = tokenFor('caseworker', 'police');
  const health = tokenFor('caseworker', 'health');

  async function scrape(): Promise<string> {
    const response = await fetch(`${server.url()}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return response.text();
  }

  /** The value of the series `name` whose labels include `labels` (0 when there is none yet). */
  function sample(text: string, name: string, labels: Record<string, string> = {}): number {
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    for (const line of text.split('\n')) {
      const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match || match[1] !== name) continue;
      const has = (match[2] ?? '').split(',');
      if (wanted.every((pair) => has.includes(pair))) return Number(match[3]);
    }
    return 0;
  }

  async function eventually(check: (text: string) => boolean, what: string): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = await scrape();
      if (check(text)) return text;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within 30 s:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('answers the admin role alone', async () => {
    expect((await fetch(`${server.url()}/metrics`)).status).toBe(401);
    for (const role of ['caseworker', 'panel_member', 'marac_coordinator', 'auditor', 'data_protection']) {
      const response = await fetch(`${server.url()}/metrics`, {
        headers: { authorization: `Bearer ${tokenFor(role, 'police')}` },
      });
      expect({ role, status: response.status }).toEqual({ role, status: 403 });
    }
  });

  it('moves with the commands, the read models and the reminders, and names no case or person', async () => {
    const before = await scrape();
    const caseId = randomUUID();
    const name = `Metrics Person ${randomUUID().slice(0, 8)}`;
    const post = (path: string, body: unknown, token = police, headers: Record<string, string> = {}) =>
      server.call('POST', path, { token, body, headers });
    const identified = await post('/cases', identifyCaseBody(caseId, name));
    expect(identified.status).toBe(201);
    const consent = consentBody();
    expect((await post(`/cases/${caseId}/consent`, consent)).status).toBe(200);
    // Refused by a domain rule, forbidden to another agency, and conditional on a revision it is not at.
    expect((await post(`/cases/${caseId}/consent`, consent)).status).toBe(422);
    expect((await post(`/cases/${caseId}/consent`, consent, health)).status).toBe(403);
    expect((await post(`/cases/${caseId}/consent`, consent, police, { 'if-match': '"0"' })).status).toBe(412);
    // A path no route has, naming the case: counted, but never under its own path.
    expect((await server.call('GET', `/no-such-route/${caseId}`, { token: police })).status).toBe(404);

    const after = await eventually(
      (text) =>
        sample(text, 'marac_queue_items', { queue: 'awaiting-referral-decision', agency: 'police' }) >
          sample(before, 'marac_queue_items', { queue: 'awaiting-referral-decision', agency: 'police' }) &&
        sample(text, 'marac_reminders_raised_total', { kind: 'referral_decision' }) >
          sample(before, 'marac_reminders_raised_total', { kind: 'referral_decision' }),
      "the case in the police's awaiting-referral-decision queue and a referral decision reminder raised",
    );
    const moved = (metric: string, labels: Record<string, string>) =>
      sample(after, metric, labels) - sample(before, metric, labels);
    expect(moved('marac_commands_total', { command: 'IdentifyPotentialVictim', outcome: 'written' })).toBe(1);
    expect(moved('marac_commands_total', { command: 'RecordConsentGiven', outcome: 'written' })).toBe(1);
    expect(moved('marac_commands_total', { command: 'RecordConsentGiven', outcome: 'refused' })).toBe(1);
    expect(moved('marac_commands_total', { command: 'RecordConsentGiven', outcome: 'forbidden' })).toBe(1);
    expect(moved('marac_commands_total', { command: 'RecordConsentGiven', outcome: 'precondition_failed' })).toBe(1);
    expect(moved('marac_command_duration_seconds_count', { command: 'RecordConsentGiven' })).toBe(4);
    // Two appends of the case's events written (the refused and forbidden commands append nothing).
    const caseAppends = { aggregate: 'case', outcome: 'written' };
    expect(moved('marac_event_store_append_duration_seconds_count', caseAppends)).toBe(2);
    expect(moved('marac_event_store_append_duration_seconds_count', { aggregate: 'case', outcome: 'conflict' })).toBe(
      0,
    );
    // Requests by route template and status, the refused ones too.
    const consentRoute = { method: 'POST', route: '/cases/:caseId/consent' };
    expect(moved('marac_http_request_duration_seconds_count', { ...consentRoute, status: '200' })).toBe(1);
    expect(moved('marac_http_request_duration_seconds_count', { ...consentRoute, status: '422' })).toBe(1);
    expect(moved('marac_http_request_duration_seconds_count', { ...consentRoute, status: '403' })).toBe(1);
    expect(moved('marac_http_request_duration_seconds_count', { ...consentRoute, status: '412' })).toBe(1);
    expect(moved('marac_http_request_duration_seconds_count', { method: 'POST', route: '/cases', status: '201' })).toBe(
      1,
    );
    expect(
      moved('marac_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' }),
    ).toBe(1);

    // The projections catch up with the store's head: the lag goes back to 0 at the head's position.
    const caughtUp = await eventually(
      (text) =>
        ['case-view', 'marac', 'problem-profile-v2', 'children-register'].every(
          (projection) =>
            sample(text, 'marac_projection_lag_positions', { projection }) === 0 &&
            sample(text, 'marac_projection_checkpoint_position', { projection }) ===
              sample(text, 'marac_event_store_head_position') &&
            sample(text, 'marac_projection_state', { projection, state: 'running' }) === 1,
        ),
      'the projections catching up',
    );
    expect(sample(caughtUp, 'marac_event_store_head_position')).toBeGreaterThan(
      sample(before, 'marac_event_store_head_position'),
    );
    expect(caughtUp).toMatch(/^marac_reminder_jobs\{state="delayed"\} \d+$/m);

    // A day lasts a second: the referral decision falls due and stays open, so it counts as overdue
    // for the police, by its kind.
    const referralOverdue = { kind: 'referral_decision', agency: 'police' };
    const overdue = await eventually(
      (text) =>
        sample(text, 'marac_deadlines_overdue', referralOverdue) >
        sample(before, 'marac_deadlines_overdue', referralOverdue),
      "the case's referral decision overdue",
    );
    expect(sample(overdue, 'marac_deadlines_overdue', { kind: 'referral_decision', agency: 'health' })).toBe(0);
    expect(overdue).toMatch(/^marac_deadlines_overdue\{kind="share_expiry",agency="police"\} \d+$/m);

    // Route templates, command types and configured names only: never the case's id or the person.
    for (const text of [after, caughtUp, overdue]) {
      expect(text).not.toContain(caseId);
      expect(text).not.toContain(name);
    }
  });
});
