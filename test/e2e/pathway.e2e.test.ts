import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServer, type CallOptions } from '../support/api-client';

/** Whole pathways over HTTP, as caseworkers record them. */
describe('NRM pathways over the command API', () => {
  jest.setTimeout(60_000);
  const police = tokenFor('caseworker', 'police');
  const auditor = tokenFor('auditor', 'home-office');

  // The command api alone (the scale-out profile's api): these pathways are dated in the past, and
  // a worker would raise their overdue reminders between the steps whose revisions are checked.
  const call = useApiServer({ WORKER_IN_PROCESS: 'false' });
  const post = (caseId: string, action: string, body: unknown, extra: Omit<CallOptions, 'body'> = {}) =>
    call('POST', `/cases/${caseId}/${action}`, { token: police, body, ...extra });
  const eventTypes = async (caseId: string) =>
    ((await call('GET', `/cases/${caseId}/history`, { token: auditor })).body.events as { type: string }[]).map(
      (e) => e.type,
    );

  async function openCase(child = false): Promise<string> {
    const caseId = randomUUID();
    const created = await call('POST', '/cases', {
      token: police,
      body: {
        caseId,
        identifiedOn: '2026-03-01',
        location: 'Nail bar, Example Street',
        encounterContext: 'police_operation',
        indicators: ['restricted_movement', 'no_access_to_earnings'],
        exploitationTypes: ['labour', 'criminal'],
        child,
        personal: { name: 'Test Person E' },
      },
    });
    expect(created.status).toBe(201);
    return caseId;
  }

  it('an adult who consents: referral, positive RG, safe house, positive CG, move-on, exit, follow-ups', async () => {
    const caseId = await openCase();
    const steps: [string, unknown][] = [
      ['assignment', { caseworkerId: 'cw-police-7', agency: 'police' }],
      ['consent', { on: '2026-03-01', language: 'pl', interpreterUsed: true }],
      [
        'nrm-referral',
        { submittedOn: '2026-03-02', competentAuthority: 'single_competent_authority', reference: 'NRM-E2E-1' },
      ],
      ['reasonable-grounds-decision', { outcome: 'positive', decidedOn: '2026-03-06' }],
      ['placement-request', { requestedOn: '2026-03-06', emergencyOutsideNrm: false }],
      [
        'placement',
        {
          placementId: randomUUID(),
          startedOn: '2026-03-07',
          provider: 'Safe House Org',
          address: '1 Test Street',
          emergencyOutsideNrm: false,
        },
      ],
      ['conclusive-grounds-decision', { outcome: 'positive', decidedOn: '2026-05-20' }],
      ['placement/end', { endedOn: '2026-05-25', reason: 'moved_on' }],
      ['move-on-support', { startedOn: '2026-05-25', provider: 'Move-on Org' }],
      ['exit', { exitedOn: '2026-07-04', reason: 'support_completed' }],
      ['follow-ups', { completedOn: '2026-08-03', outcome: 'stable' }],
      ['follow-ups', { completedOn: '2026-10-02', outcome: 'at_risk' }],
    ];
    for (const [index, [action, body]] of steps.entries()) {
      const response = await post(caseId, action, body);
      expect({ action, status: response.status, body: response.body }).toMatchObject({
        action,
        status: 200,
        body: { revision: String(index + 1) },
      });
      expect(response.headers.get('etag')).toBe(`"${index + 1}"`);
    }
    expect(await eventTypes(caseId)).toEqual([
      'PotentialVictimIdentified',
      'CaseAssigned',
      'ConsentGiven',
      'NrmReferralSubmitted',
      'ReasonableGroundsDecisionMade',
      'SafeHousePlacementRequested',
      'SafeHousePlacementStarted',
      'ConclusiveGroundsDecisionMade',
      'SafeHousePlacementEnded',
      'MoveOnSupportStarted',
      'ExitedNrm',
      'FollowUpCompleted',
      'FollowUpCompleted',
    ]);
  });

  it('an adult who declines: duty to notify, and no referral', async () => {
    const caseId = await openCase();
    expect(
      (await post(caseId, 'consent-declined', { on: '2026-03-01', language: 'en', interpreterUsed: false })).status,
    ).toBe(200);
    expect((await post(caseId, 'duty-to-notify', { submittedOn: '2026-03-02', reference: 'DTN-E2E-1' })).status).toBe(
      200,
    );
    const referral = await post(caseId, 'nrm-referral', {
      submittedOn: '2026-03-02',
      competentAuthority: 'single_competent_authority',
      reference: 'X',
    });
    expect(referral).toMatchObject({ status: 422, body: { rule: 'referral-requires-consent' } });
    expect(await eventTypes(caseId)).toEqual(['PotentialVictimIdentified', 'ConsentDeclined', 'DutyToNotifySubmitted']);
  });

  it('a child: referred without consent; a consent step is refused', async () => {
    const caseId = await openCase(true);
    expect(await post(caseId, 'consent', { on: '2026-03-01', language: 'en', interpreterUsed: false })).toMatchObject({
      status: 422,
      body: { rule: 'consent-not-needed-for-child' },
    });
    expect(
      (
        await post(caseId, 'nrm-referral', {
          submittedOn: '2026-03-01',
          competentAuthority: 'single_competent_authority',
          reference: 'C-1',
        })
      ).status,
    ).toBe(200);
  });

  it('a negative RG decision, reconsidered to positive, back on the path', async () => {
    const caseId = await openCase(true);
    await post(caseId, 'nrm-referral', {
      submittedOn: '2026-03-01',
      competentAuthority: 'single_competent_authority',
      reference: 'C-2',
    });
    await post(caseId, 'reasonable-grounds-decision', { outcome: 'negative', decidedOn: '2026-03-08' });
    expect(
      await post(caseId, 'conclusive-grounds-decision', { outcome: 'positive', decidedOn: '2026-04-01' }),
    ).toMatchObject({
      status: 422,
      body: { rule: 'cg-decision-requires-positive-rg' },
    });
    expect(
      (await post(caseId, 'reconsideration-request', { decision: 'reasonable_grounds', requestedOn: '2026-03-10' }))
        .status,
    ).toBe(200);
    expect(
      (
        await post(caseId, 'reconsideration-decision', {
          decision: 'reasonable_grounds',
          outcome: 'positive',
          decidedOn: '2026-03-20',
        })
      ).status,
    ).toBe(200);
    expect(
      (await post(caseId, 'conclusive-grounds-decision', { outcome: 'positive', decidedOn: '2026-06-01' })).status,
    ).toBe(200);
  });

  it('applies If-Match: 412 when the case moved on, nothing written', async () => {
    const caseId = await openCase();
    const first = await post(
      caseId,
      'risk-assessments',
      { level: 'high', assessedOn: '2026-03-01', rationale: 'r' },
      { headers: { 'if-match': '"0"' } },
    );
    expect(first.status).toBe(200);
    const stale = await post(
      caseId,
      'risk-assessments',
      { level: 'medium', assessedOn: '2026-03-02', rationale: 'r' },
      { headers: { 'if-match': '"0"' } },
    );
    expect(stale).toMatchObject({ status: 412, body: { currentRevision: '1' } });
    expect(await eventTypes(caseId)).toEqual(['PotentialVictimIdentified', 'RiskAssessed']);
  });

  it('answers a retry with the same Idempotency-Key with the first result', async () => {
    const caseId = await openCase();
    const body = { noteId: randomUUID(), text: 'Met at the drop-in.' };
    const first = await post(caseId, 'notes', body, { headers: { 'idempotency-key': 'note-retry-1' } });
    const retry = await post(caseId, 'notes', body, { headers: { 'idempotency-key': 'note-retry-1' } });
    expect(retry.body).toEqual({ ...first.body, replayed: true });
    expect(await eventTypes(caseId)).toEqual(['PotentialVictimIdentified', 'NoteAdded']);
  });

  it('refuses another agency (403), an unknown case (404), and an invalid transition (422), writing nothing', async () => {
    const caseId = await openCase();
    const other = await post(
      caseId,
      'notes',
      { noteId: randomUUID(), text: 'x' },
      { token: tokenFor('caseworker', 'health') },
    );
    expect(other.status).toBe(403);
    expect((await post(randomUUID(), 'notes', { noteId: randomUUID(), text: 'x' })).status).toBe(404);
    expect(await post(caseId, 'follow-ups', { completedOn: '2026-03-02', outcome: 'stable' })).toMatchObject({
      status: 422,
      body: { rule: 'follow-up-requires-exit' },
    });
    expect((await post(caseId, 'exit', { exitedOn: '2026-03-02', reason: 'gone' })).status).toBe(400);
    expect(await eventTypes(caseId)).toEqual(['PotentialVictimIdentified']);
  });
});
