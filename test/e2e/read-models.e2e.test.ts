import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServer } from '../support/api-client';
import { daysAgo, monthsBefore, today } from '../support/dates';

/** The query side over HTTP: case view, list, queues, agenda, problem profile, read your writes. */
describe('read models over the query API', () => {
  jest.setTimeout(60_000);
  const call = useApiServer();
  const police = tokenFor('caseworker', 'police');
  const housing = tokenFor('caseworker', 'housing');
  const ngo = tokenFor('caseworker', 'ngo-support');
  const coordinator = tokenFor('marac_coordinator', 'la-adult-services');
  const housingPanel = tokenFor('panel_member', 'housing');
  const healthPanel = tokenFor('panel_member', 'health');
  const auditor = tokenFor('auditor', 'police');
  const admin = tokenFor('admin', 'police');
  // Cases identified today: none of their deadlines falls due while the tests run.
  const identifiedOn = today();

  /** `POST /cases` with a valid body but for `overrides`: the answer, whatever it is. */
  const identification = (overrides: Record<string, unknown>) =>
    call('POST', '/cases', {
      token: police,
      body: {
        caseId: randomUUID(),
        identifiedOn,
        location: 'Test location',
        area: 'West',
        encounterContext: 'community_report',
        indicators: ['isolation'],
        exploitationTypes: ['labour'],
        child: false,
        personal: { name: 'Test Person Q' },
        ...overrides,
      },
    });
  async function identify(overrides: Record<string, unknown> = {}) {
    const caseId = randomUUID();
    const created = await identification({ caseId, ...overrides });
    expect(created.status).toBe(201);
    return { caseId, position: created.body.position as string };
  }
  const act = async (caseId: string, path: string, body: unknown, token = police) => {
    const response = await call('POST', `/cases/${caseId}/${path}`, { token, body });
    expect(response.status).toBe(200);
    return response.body.position as string;
  };

  it('shows a command’s effect to a query that asks for its position, without personal data unless asked', async () => {
    const { caseId, position } = await identify();
    const view = await call('GET', `/cases/${caseId}?minPosition=${position}`, { token: police });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      caseId,
      stage: 'identified',
      identifyingAgency: 'police',
      assignee: null,
      flags: { child: false, missing: false, inSafeHouse: false, consent: 'awaiting', atMarac: false },
      keyDates: { identifiedOn, referredOn: null },
      personalDataShown: false,
    });
    expect(view.body.personal).toBeUndefined();
    expect(JSON.stringify(view.body)).not.toContain('Test Person Q');

    const withPersonal = await call('GET', `/cases/${caseId}?include=personal`, { token: police });
    expect(withPersonal.body).toMatchObject({ personalDataShown: true, personal: { name: 'Test Person Q' } });
    const reads = await call('GET', `/cases/${caseId}/personal-data-reads`, { token: auditor });
    expect(reads.body.reads).toEqual([
      expect.objectContaining({ what: 'case view', reader: expect.objectContaining({ agency: 'police' }) }),
    ]);

    expect((await call('GET', `/cases/${caseId}`, { token: ngo })).status).toBe(403);
    expect((await call('GET', `/cases/${caseId}`, { token: admin })).status).toBe(403);
    expect((await call('GET', `/cases/${caseId}?include=personal`, { token: auditor })).status).toBe(403);
    expect(
      (
        await call('GET', `/cases/${caseId}?include=personal&reason=subject%20access%20request%2017`, {
          token: auditor,
        })
      ).body.personal,
    ).toEqual({ name: 'Test Person Q' });
  });

  it('answers 503 with Retry-After when the read models cannot reach the position in time, 400 for a bad one', async () => {
    const { caseId } = await identify();
    const behind = await call('GET', `/cases/${caseId}?minPosition=999999999/999999999`, { token: police });
    expect(behind.status).toBe(503);
    expect(behind.headers.get('retry-after')).toBe('1');
    expect(behind.headers.get('content-type')).toContain('application/problem+json');
    expect((await call('GET', `/cases/${caseId}?minPosition=soon`, { token: police })).status).toBe(400);
    expect((await call('GET', `/cases/${caseId}?colour=red`, { token: police })).status).toBe(400);
    expect((await call('GET', `/cases/${randomUUID()}`, { token: police })).status).toBe(404);
  });

  it('lists cases in a stable order, filtered and paged, only the caller’s agency for a caseworker', async () => {
    const made = [];
    for (let n = 0; n < 3; n++) made.push(await identify({ child: n === 1 }));
    const last = made.at(-1)!.position;
    const page1 = await call('GET', `/cases?limit=2&minPosition=${last}`, { token: police });
    expect(page1.status).toBe(200);
    expect(page1.body.cases).toHaveLength(2);
    const page2 = await call('GET', `/cases?limit=500&after=${page1.body.next}`, { token: police });
    const ids = [...page1.body.cases, ...page2.body.cases].map((c: { caseId: string }) => c.caseId);
    expect(ids.slice(-3)).toEqual(made.map((m) => m.caseId));
    const children = await call('GET', '/cases?child=true&stage=awaiting_referral', { token: police });
    expect((children.body.cases as { caseId: string }[]).map((c) => c.caseId)).toContain(made[1]!.caseId);
    expect((children.body.cases as { child: boolean }[]).every((c) => c.child)).toBe(true);
    expect((await call('GET', '/cases?agency=housing', { token: police })).status).toBe(403);
    expect((await call('GET', '/cases', { token: ngo })).body.cases).toEqual([]);
    expect((await call('GET', '/cases?child=maybe', { token: police })).status).toBe(400);
  });

  it('queues: unassigned gains a new case and loses it on assignment; counts per agency', async () => {
    const { caseId, position } = await identify();
    const queue = async (minPosition: string) =>
      (await call('GET', `/queues/unassigned?minPosition=${minPosition}&limit=500`, { token: police })).body;
    expect(((await queue(position)).items as { case: { caseId: string } }[]).map((i) => i.case.caseId)).toContain(
      caseId,
    );
    const assigned = await act(caseId, 'assignment', { caseworkerId: 'e2e-caseworker-police', agency: 'police' });
    expect(((await queue(assigned)).items as { case: { caseId: string } }[]).map((i) => i.case.caseId)).not.toContain(
      caseId,
    );
    const counts = await call('GET', `/queues?minPosition=${assigned}`, { token: police });
    expect((counts.body.queues as { name: string }[]).map((q) => q.name)).toEqual(
      expect.arrayContaining([
        'unassigned',
        'reasonable-grounds-overdue',
        'recovery-period-ending',
        'marac-action-overdue',
      ]),
    );
    expect((await call('GET', '/queues/no-such-queue', { token: police })).status).toBe(400);
    expect((await call('GET', '/queues', { token: admin })).status).toBe(403);
  });

  it('MARAC: agenda for attending agencies; a listed case is readable by them and a panel member may add a note', async () => {
    const { caseId } = await identify();
    await act(caseId, 'risk-assessments', { level: 'high', assessedOn: identifiedOn, rationale: 'Threats' });
    await act(caseId, 'marac-referrals', { referredOn: identifiedOn, reason: 'High risk' });
    const meetingId = randomUUID();
    // A meeting held last week whose action fell due two days ago: overdue on purpose, whatever today is.
    const meetsOn = daysAgo(7);
    const meeting = (path: string) => `/marac/meetings/${meetingId}${path}`;
    const post = (path: string, body: unknown) => call('POST', meeting(path), { token: coordinator, body });
    expect(
      (
        await call('POST', '/marac/meetings', {
          token: coordinator,
          body: { meetingId, area: 'West', meetsOn, attendingAgencies: ['police', 'housing'] },
        })
      ).status,
    ).toBe(201);
    // Before the listing a housing panel member may not add a note.
    expect(
      (await call('POST', `/cases/${caseId}/notes`, { token: housingPanel, body: { noteId: randomUUID(), text: 'x' } }))
        .status,
    ).toBe(403);
    await post('/cases', { caseId });
    await post('/discussions', { caseId, riskLevel: 'high', decisions: ['Refer to housing'] });
    const agreed = await post('/actions', {
      actionId: randomUUID(),
      caseId,
      description: 'Find accommodation',
      ownerAgency: 'housing',
      dueOn: daysAgo(2),
    });
    const position = agreed.body.position as string;
    const agenda = await call('GET', `${meeting('/agenda')}?minPosition=${position}`, { token: housingPanel });
    expect(agenda.status).toBe(200);
    expect(agenda.body).toMatchObject({
      meetingId,
      area: 'West',
      cases: [
        {
          caseId,
          riskLevel: 'high',
          discussedHere: { riskLevel: 'high' },
          openActions: [expect.objectContaining({ ownerAgency: 'housing', overdue: true })],
        },
      ],
    });
    expect((agenda.body.cases[0].changedSinceLastMeeting as { type: string }[]).map((c) => c.type)).toEqual([
      'PotentialVictimIdentified',
      'RiskAssessed',
      'ReferredToMarac',
    ]);
    expect(JSON.stringify(agenda.body)).not.toContain('Test Person Q');
    expect((await call('GET', meeting('/agenda'), { token: healthPanel })).status).toBe(403);

    // Housing attends: its caseworkers read the case (not the person), its panel member adds a note.
    const view = await call('GET', `/cases/${caseId}`, { token: housing });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      flags: { atMarac: true },
      openMaracActions: [expect.objectContaining({ overdue: true })],
    });
    expect((await call('GET', `/cases/${caseId}?include=personal`, { token: housing })).status).toBe(403);
    const note = await call('POST', `/cases/${caseId}/notes`, {
      token: housingPanel,
      body: { noteId: randomUUID(), text: 'Housing offered a room' },
    });
    expect(note.status).toBe(200);
    expect(
      (await call('POST', `/cases/${caseId}/notes`, { token: healthPanel, body: { noteId: randomUUID(), text: 'x' } }))
        .status,
    ).toBe(403);
    // The two refused notes wrote nothing: only the housing panel member's note is in the history.
    const history = await call('GET', `/cases/${caseId}/history`, { token: tokenFor('auditor', 'police') });
    expect((history.body.events as { type: string }[]).filter((event) => event.type === 'NoteAdded')).toHaveLength(1);
    const overdue = await call('GET', `/queues/marac-action-overdue?minPosition=${position}`, { token: housingPanel });
    expect(overdue.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: expect.objectContaining({ ownerAgency: 'housing' }) }),
      ]),
    );
  });

  it('problem profile: aggregates per month, small counts shown as "<5", no personal data', async () => {
    const area = `Area-${randomUUID().slice(0, 8)}`;
    // Six cases this month, none in the two before it (asked from two months back to this one).
    const [from, between, to] = [
      monthsBefore(identifiedOn, 2),
      monthsBefore(identifiedOn, 1),
      monthsBefore(identifiedOn, 0),
    ];
    let position = '';
    for (let n = 0; n < 6; n++) position = (await identify({ area, child: n < 2 })).position;
    const profile = await call(
      'GET',
      `/reports/problem-profile?from=${from}&to=${to}&area=${area}&minPosition=${position}`,
      {
        token: coordinator,
      },
    );
    expect(profile.status).toBe(200);
    expect((profile.body.months as { month: string }[]).map((m) => m.month)).toEqual([from, between, to]);
    expect(profile.body.totals).toMatchObject({
      identifications: 6,
      age_group: { child: '<5', adult: '<5' },
      exploitation: { labour: 6 },
    });
    expect(profile.body.months[0].counts).toEqual({});
    expect(JSON.stringify(profile.body)).not.toContain('Test Person Q');
    expect((await call('GET', '/reports/problem-profile?from=2026-13&to=2026-01', { token: coordinator })).status).toBe(
      400,
    );
    expect((await call('GET', '/reports/problem-profile?from=2026-05&to=2026-01', { token: coordinator })).status).toBe(
      400,
    );
  });

  it('repeat referrals: the case view links both ways (ids only), as of then too; the profile counts them; a bad link is a 422 writing nothing', async () => {
    const area = `Area-${randomUUID().slice(0, 8)}`;
    const thisMonth = monthsBefore(identifiedOn, 0);
    const earlier = await identify({ area });
    // The person is re-referred by another agency: its case names the police's as the earlier one.
    const laterId = randomUUID();
    const later = await call('POST', '/cases', {
      token: housing,
      body: {
        caseId: laterId,
        identifiedOn,
        location: 'Test location',
        area,
        encounterContext: 'community_report',
        indicators: ['isolation'],
        exploitationTypes: ['labour'],
        child: false,
        personal: { name: 'Test Person Q' },
        previousCaseId: earlier.caseId,
      },
    });
    expect(later.status).toBe(201);
    const position = later.body.position as string;

    const laterView = await call('GET', `/cases/${laterId}?minPosition=${position}`, { token: housing });
    expect(laterView.body).toMatchObject({ previousCaseId: earlier.caseId, laterCaseIds: [] });
    const earlierView = await call('GET', `/cases/${earlier.caseId}?minPosition=${position}`, { token: police });
    expect(earlierView.body).toMatchObject({ previousCaseId: null, laterCaseIds: [laterId] });
    // Only the id: nothing of the later case, which stays behind its own access rules.
    expect(JSON.stringify(earlierView.body)).not.toContain('housing');
    expect((await call('GET', `/cases/${laterId}`, { token: police })).status).toBe(403);
    expect((await call('GET', `/cases/${earlier.caseId}`, { token: housing })).status).toBe(403);

    // As of a past point: the links recorded by then (the earlier case's first revision came before the later case).
    const asOfFirst = await call('GET', `/cases/${earlier.caseId}?revision=0`, { token: police });
    expect(asOfFirst.body).toMatchObject({ laterCaseIds: [] });
    const asOfNow = await call('GET', `/cases/${earlier.caseId}?asOf=${encodeURIComponent(new Date().toISOString())}`, {
      token: police,
    });
    expect(asOfNow.body).toMatchObject({ laterCaseIds: [laterId] });

    // A link to no case, or to the case itself: 422 with the rule's name, and no case written.
    const refusedIds = [randomUUID(), randomUUID()];
    const unknown = await identification({ caseId: refusedIds[0], previousCaseId: randomUUID() });
    expect(unknown).toMatchObject({ status: 422, body: { rule: 'previous-case-not-identified' } });
    const itself = await identification({ caseId: refusedIds[1], previousCaseId: refusedIds[1] });
    expect(itself).toMatchObject({ status: 422, body: { rule: 'previous-case-is-this-case' } });
    for (const caseId of refusedIds)
      expect((await call('GET', `/cases/${caseId}/history`, { token: auditor })).status).toBe(404);

    // The problem profile counts re-referrals in the later cases' month and area, under 5 as "<5".
    const profile = async (minPosition: string) =>
      (
        await call(
          'GET',
          `/reports/problem-profile?from=${thisMonth}&to=${thisMonth}&area=${area}&minPosition=${minPosition}`,
          {
            token: coordinator,
          },
        )
      ).body;
    expect((await profile(position)).totals).toMatchObject({ identifications: '<5', re_referrals: '<5' });
    let last = position;
    for (let n = 0; n < 4; n++) last = (await identify({ area, previousCaseId: earlier.caseId })).position;
    const counted = await profile(last);
    expect(counted.totals).toMatchObject({ identifications: 6, re_referrals: 5 });
    expect(counted.months[0].counts).toMatchObject({ re_referrals: 5 });
    expect(
      (await call('GET', `/cases/${earlier.caseId}?minPosition=${last}`, { token: police })).body.laterCaseIds,
    ).toHaveLength(5);
  });
});
