import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServer } from '../support/api-client';
import { today } from '../support/dates';

/** `GET /cases/:id/history` a page at a time: a long-lived case is never one unbounded answer. */
describe('case history pages', () => {
  jest.setTimeout(120_000);
  const call = useApiServer();
  const caseworker = tokenFor('caseworker', 'police');
  const auditor = tokenFor('auditor', 'home-office');
  const caseId = randomUUID();
  const NOTES = 230;

  beforeAll(async () => {
    const created = await call('POST', '/cases', {
      token: caseworker,
      body: {
        caseId,
        identifiedOn: today(),
        location: 'Synthetic location',
        encounterContext: 'other',
        indicators: [],
        exploitationTypes: ['unknown'],
        child: false,
        personal: { name: 'Synthetic History Person' },
      },
    });
    expect(created.status).toBe(201);
    for (let start = 0; start < NOTES; start += 10) {
      const batch = Array.from({ length: Math.min(10, NOTES - start) }, (_, k) =>
        call('POST', `/cases/${caseId}/notes`, {
          token: caseworker,
          body: { noteId: randomUUID(), text: `Synthetic note ${start + k}` },
        }),
      );
      for (const answer of await Promise.all(batch)) expect(answer.status).toBe(200);
    }
  });

  it('answers 100 events by default, and the `next` cursors walk every event once, in order', async () => {
    const first = await call('GET', `/cases/${caseId}/history`, { token: auditor });
    expect(first.status).toBe(200);
    expect(first.body.events).toHaveLength(100);
    expect(first.body.next).toBe('99');

    const revisions: string[] = [];
    let after: string | null = null;
    do {
      const page = await call('GET', `/cases/${caseId}/history?limit=70${after === null ? '' : `&after=${after}`}`, {
        token: auditor,
      });
      expect(page.status).toBe(200);
      expect(page.body.events.length).toBeLessThanOrEqual(70);
      revisions.push(...(page.body.events as { revision: string }[]).map((event) => event.revision));
      after = page.body.next as string | null;
    } while (after !== null);
    expect(revisions).toEqual(Array.from({ length: NOTES + 1 }, (_, revision) => String(revision)));
  });

  it('answers an empty last page past the end, and refuses a page larger than 1,000 or a bad cursor (400)', async () => {
    const past = await call('GET', `/cases/${caseId}/history?after=${NOTES}`, { token: auditor });
    expect(past.body).toMatchObject({ events: [], next: null });
    for (const query of ['limit=1001', 'limit=0', 'after=-1', 'after=abc', 'limit=5&unknown=1']) {
      const refused = await call('GET', `/cases/${caseId}/history?${query}`, { token: auditor });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('records a personal-data read only for a page that showed personal data', async () => {
    const reads = async () =>
      ((await call('GET', `/cases/${caseId}/personal-data-reads`, { token: auditor })).body.reads as unknown[]).length;
    const before = await reads();
    // The second page holds notes only; the caseworker of the case's own agency sees their text.
    expect((await call('GET', `/cases/${caseId}/history?after=99&limit=10`, { token: caseworker })).body).toMatchObject(
      {
        personalDataShown: true,
      },
    );
    expect(await reads()).toBe(before + 1);
    // The auditor without a reason sees no personal data, and no read is recorded.
    const withoutReason = await call('GET', `/cases/${caseId}/history?limit=10`, { token: auditor });
    expect(withoutReason.body.personalDataShown).toBe(false);
    expect(JSON.stringify(withoutReason.body)).not.toMatch(/Synthetic History Person|Synthetic note/);
    expect(await reads()).toBe(before + 1);
  });
});
