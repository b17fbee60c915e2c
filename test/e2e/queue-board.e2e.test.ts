import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServerProcess } from '../support/api-client';
import { consentBody, identifyCaseBody } from '../support/case-bodies';

/**
 * The queue board (Bull Board at /admin/queues) on the built server: the admin role alone sees it,
 * with a bearer token or, in a browser, with the cookie a `?token=` is exchanged for; it shows the
 * reminder queue and its jobs, and changes nothing.
 */
describe('the queue board', () => {
  jest.setTimeout(60_000);
  const server = useApiServerProcess();
  const admin = tokenFor('admin', 'police');
  const caseworker = tokenFor('caseworker', 'police');

  /** A GET that does not follow redirects, so the exchange's own answer can be read. */
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url()}${path}`, { headers, redirect: 'manual' });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses anyone without a token (401) and every role but admin (403), as problem+json', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/queue/reminders']) {
      const anonymous = await get(path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/problem\+json/);
      expect(((await anonymous.json()) as { detail: string }).detail).toContain('?token=');
      for (const role of ['caseworker', 'panel_member', 'marac_coordinator', 'auditor', 'data_protection']) {
        const refused = await get(path, bearer(tokenFor(role, 'police')));
        expect({ role, status: refused.status }).toEqual({ role, status: 403 });
      }
      expect((await get(path, bearer('not-a-token'))).status).toBe(401);
    }
  });

  it('shows the admin the reminder queue with the jobs the cases scheduled, read-only', async () => {
    const page = await get('/admin/queues', bearer(admin));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<title>MARAC queues</title>');
    // Everything from this server: the browser does not ask Google for Bull Board's fonts.
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toMatch(/googleapis|https:/);

    // A case whose consent is recorded awaits a referral decision: a reminder job for it, delayed.
    const caseId = randomUUID();
    const post = (path: string, body: unknown) =>
      server.call('POST', path, { token: caseworker, body }).then((response) => {
        if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
      });
    await post('/cases', identifyCaseBody(caseId, 'Board Person Synthetic'));
    await post(`/cases/${caseId}/consent`, consentBody());

    type Board = {
      queues: { name: string; readOnlyMode: boolean; jobs: { id: string; data: { caseId: string } }[] }[];
    };
    let reminders: Board['queues'][number] | undefined;
    const deadline = Date.now() + 20_000;
    while (!reminders?.jobs.some((job) => job.data.caseId === caseId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const answer = await get('/admin/queues/api/queues?activeQueue=reminders&status=delayed', bearer(admin));
      expect(answer.status).toBe(200);
      reminders = ((await answer.json()) as Board).queues.find((queue) => queue.name === 'reminders');
    }
    expect(reminders).toMatchObject({ name: 'reminders', readOnlyMode: true });
    const job = reminders!.jobs.find((each) => each.data.caseId === caseId);
    expect(job?.id).toMatch(new RegExp(`^reminder-${caseId}-referral-decision-\\d+$`));

    // Nothing can be changed from the board: removing, promoting or pausing would put the jobs out
    // of step with the cases, which reconciliation alone keeps in step.
    const base = `${server.url()}/admin/queues/api/queues/reminders`;
    const pause = await fetch(`${base}/pause`, { method: 'PUT', headers: bearer(admin) });
    expect(pause.status).toBe(405);
    const promote = await fetch(`${base}/${job!.id}/promote`, { method: 'PUT', headers: bearer(admin) });
    expect(promote.status).toBe(405);
    const after = await get('/admin/queues/api/queues?activeQueue=reminders&status=delayed', bearer(admin));
    const still = ((await after.json()) as Board).queues.find((queue) => queue.name === 'reminders')!;
    expect(still.jobs.map((each) => each.id)).toContain(job!.id);
  });

  it('lets a browser in with ?token=: a short-lived HttpOnly, SameSite=Strict cookie for the board alone', async () => {
    const exchange = await get('/admin/queues/queue/reminders?status=delayed&token=' + admin);
    expect(exchange.status).toBe(303);
    // The token leaves the address at once; the rest of the address stays.
    expect(exchange.headers.get('location')).toBe('/admin/queues/queue/reminders?status=delayed');
    expect(exchange.headers.get('cache-control')).toBe('no-store');
    const setCookie = exchange.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^marac_queue_board=[^;]+;/);
    expect(setCookie).toContain('Path=/admin/queues;');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)?.[1]);
    // The token lives 10 minutes: the cookie no longer (and never over 15 minutes).
    expect(maxAge).toBeGreaterThan(500);
    expect(maxAge).toBeLessThanOrEqual(600);

    const cookie = setCookie.split(';')[0]!;
    expect((await get('/admin/queues', { cookie })).status).toBe(200);
    const api = await get('/admin/queues/api/queues', { cookie });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { queues: { name: string }[] }).queues.map((queue) => queue.name)).toEqual([
      'reminders',
    ]);

    // Another role's token is not exchanged, nor is a forged one; another role's cookie opens nothing.
    const refused = await get(`/admin/queues?token=${caseworker}`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();
    // Its answer does not echo the token back (in `instance`).
    expect(await refused.text()).not.toContain(caseworker);
    expect((await get('/admin/queues?token=forged')).status).toBe(401);
    expect((await get('/admin/queues', { cookie: `marac_queue_board=${caseworker}` })).status).toBe(403);
    // The token in the address is for a GET only: no other request is let in by it.
    const put = await fetch(`${server.url()}/admin/queues/api/queues/reminders/pause?token=${admin}`, {
      method: 'PUT',
    });
    expect(put.status).toBe(401);
  });
});
