import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { bullConnection, bullPrefix, REMINDER_QUEUE, SCHEDULED_STATES } from '../../libs/reminders/src';
import { tokenFor, useApiServerProcess, type ApiResponse } from '../support/api-client';
import { addDays, daysAgo, daysAhead } from '../support/dates';

/**
 * A placement review recorded over HTTP: the case view shows it on the placement, the placement
 * review deadline moves to 28 days after the review's date, and the reminder jobs follow (the old
 * deadline's job removed, the new one's scheduled). Dates count back from today on the server's clock.
 */
describe('placement reviews: POST /cases/{caseId}/placement/review', () => {
  jest.setTimeout(60_000);
  const prefix = `e2e-review-${randomUUID().slice(0, 8)}`;
  const server = useApiServerProcess({ REDIS_KEY_PREFIX: prefix });
  const police = tokenFor('caseworker', 'police');
  const auditor = tokenFor('auditor', 'police');
  let queue: Queue;

  beforeAll(() => {
    queue = new Queue(REMINDER_QUEUE, {
      connection: bullConnection(process.env.TEST_REDIS_URL!),
      prefix: bullPrefix(prefix),
    });
  });
  afterAll(() => queue.close());

  const post = (path: string, body: unknown) => server.call('POST', path, { token: police, body });
  async function ok(pending: Promise<ApiResponse>): Promise<ApiResponse> {
    const response = await pending;
    if (response.status >= 300) throw new Error(`${response.status}: ${JSON.stringify(response.body)}`);
    return response;
  }
  /** 09:00 London on `date`: when a deadline in days falls due (the default time of day). */
  const nineOn = (date: string) =>
    new Date(DateTime.fromISO(`${date}T09:00`, { zone: 'Europe/London' }).toMillis()).toISOString();
  const view = async (caseId: string, position: string) =>
    (await ok(server.call('GET', `/cases/${caseId}?minPosition=${position}`, { token: police }))).body;
  const reviewDeadline = (body: Record<string, unknown>) =>
    (body.deadlines as { key: string; dueAt: string }[]).find((deadline) => deadline.key === 'placement-review');
  const eventCount = async (caseId: string) =>
    ((await ok(server.call('GET', `/cases/${caseId}/history`, { token: auditor }))).body.events as unknown[]).length;
  const reviewJobs = async (caseId: string) =>
    (await queue.getRanges(SCHEDULED_STATES, 0, -1)).filter((id) =>
      id.startsWith(`reminder-${caseId}-placement-review-`),
    );
  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const end = Date.now() + 15_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** An adult with a positive RG decision, placed `placedDaysAgo` days ago; returns the case id and last position. */
  async function placedCase(placedDaysAgo: number | undefined): Promise<{ caseId: string; position: string }> {
    const caseId = randomUUID();
    let response = await ok(
      post('/cases', {
        caseId,
        identifiedOn: daysAgo(30),
        location: 'Synthetic location',
        encounterContext: 'police_operation',
        indicators: [],
        exploitationTypes: ['labour'],
        child: false,
        personal: { name: 'Synthetic Review Person' },
      }),
    );
    const steps: [string, unknown][] = [
      ['consent', { givenOn: daysAgo(30), language: 'en', interpreterUsed: false }],
      ['nrm-referral', { submittedOn: daysAgo(29), competentAuthority: 'single_competent_authority', reference: 'R' }],
      ['reasonable-grounds-decision', { outcome: 'positive', decidedOn: daysAgo(25) }],
    ];
    if (placedDaysAgo !== undefined) {
      steps.push([
        'placement',
        {
          placementId: randomUUID(),
          startedOn: daysAgo(placedDaysAgo),
          provider: 'Synthetic Safe House Provider',
          address: 'Flat 9, Synthetic Street',
          emergencyOutsideNrm: false,
        },
      ]);
    }
    for (const [path, body] of steps) response = await ok(post(`/cases/${caseId}/${path}`, body));
    return { caseId, position: response.body.position as string };
  }

  it('records a review: shown on the placement, the next review due 28 days after it, its reminder job moved', async () => {
    const { caseId, position } = await placedCase(20);
    const before = await view(caseId, position);
    const firstDue = nineOn(addDays(daysAgo(20), 28));
    expect(before.placement).toMatchObject({ startedOn: daysAgo(20), lastReview: null });
    expect(reviewDeadline(before)?.dueAt).toBe(firstDue);
    const scheduled = await until(
      () => reviewJobs(caseId),
      (ids) => ids.length === 1,
    );
    expect(scheduled).toEqual([`reminder-${caseId}-placement-review-${Date.parse(firstDue)}`]);

    const reviewed = await ok(post(`/cases/${caseId}/placement/review`, { reviewedOn: daysAgo(2), outcome: 'move' }));
    expect(reviewed.status).toBe(200);
    const after = await view(caseId, reviewed.body.position as string);
    expect(after.placement).toMatchObject({ lastReview: { reviewedOn: daysAgo(2), outcome: 'move' } });
    const nextDue = nineOn(addDays(daysAgo(2), 28));
    expect(reviewDeadline(after)?.dueAt).toBe(nextDue);
    // The old deadline's job is gone and the new one's waits (the reminders derive from the deadlines).
    const moved = await until(
      () => reviewJobs(caseId),
      (ids) => ids.length === 1 && ids[0] !== scheduled[0],
    );
    expect(moved).toEqual([`reminder-${caseId}-placement-review-${Date.parse(nextDue)}`]);

    // The view as it stood before the review (same projection) shows none.
    const asBefore = await ok(
      server.call('GET', `/cases/${caseId}?revision=${Number(after.revision) - 1}`, { token: police }),
    );
    expect(asBefore.body.placement).toMatchObject({ lastReview: null });
    expect(reviewDeadline(asBefore.body)?.dueAt).toBe(firstDue);
    const history = await ok(server.call('GET', `/cases/${caseId}/history`, { token: auditor }));
    expect((history.body.events as { type: string; data: unknown }[]).at(-1)).toMatchObject({
      type: 'PlacementReviewed',
      data: { reviewedOn: daysAgo(2), outcome: 'move' },
    });
  });

  it('refuses a review with no active placement, in the future or before the placement started (422), writing nothing', async () => {
    const unplaced = await placedCase(undefined);
    const refused = await post(`/cases/${unplaced.caseId}/placement/review`, {
      reviewedOn: daysAgo(1),
      outcome: 'continue',
    });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    expect(JSON.stringify(refused.body)).toContain('placement-not-active');

    const { caseId } = await placedCase(10);
    const count = await eventCount(caseId);
    for (const [reviewedOn, rule] of [
      [daysAhead(1), 'date-in-future'],
      [daysAgo(11), 'date-before-earlier-event'],
    ] as const) {
      const response = await post(`/cases/${caseId}/placement/review`, { reviewedOn, outcome: 'continue' });
      expect(response.status).toBe(422);
      expect(JSON.stringify(response.body)).toContain(rule);
    }
    for (const body of [
      { reviewedOn: daysAgo(1), outcome: 'closed' },
      { reviewedOn: daysAgo(1) },
      { reviewedOn: daysAgo(1), outcome: 'continue', notes: 'not a field' },
      { reviewedOn: '2026-02-30', outcome: 'continue' },
    ]) {
      const response = await post(`/cases/${caseId}/placement/review`, body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect(await eventCount(caseId)).toBe(count);
  });
});
