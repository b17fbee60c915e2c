import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServer, type CallOptions } from '../support/api-client';
import { stableSituation } from '../../libs/case-domain/src/testing/case-fixtures';
import { addDays, daysAgo } from '../support/dates';

/** Whole pathways over HTTP, as caseworkers record them. */
describe('NRM pathways over the command API', () => {
  jest.setTimeout(60_000);
  const police = tokenFor('caseworker', 'police');
  const auditor = tokenFor('auditor', 'home-office');

  // The command api alone (the scale-out profile's api): these pathways are dated in the past, and
  // a worker would raise their overdue reminders between the steps whose revisions are checked.
  const call = useApiServer({ WORKER_IN_PROCESS: 'false' });
  // Each pathway starts 220 days ago, so its last step (215 days on) is still in the past: the
  // server refuses a date after its own today, whatever day the suite runs.
  const start = daysAgo(220);
  const on = (day: number) => addDays(start, day);
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
        identifiedOn: start,
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
      ['consent', { givenOn: on(0), language: 'pl', interpreterUsed: true }],
      [
        'nrm-referral',
        { submittedOn: on(1), competentAuthority: 'single_competent_authority', reference: 'NRM-E2E-1' },
      ],
      ['reasonable-grounds-decision', { outcome: 'positive', decidedOn: on(5) }],
      ['placement-request', { requestedOn: on(5), emergencyOutsideNrm: false }],
      [
        'placement',
        {
          placementId: randomUUID(),
          startedOn: on(6),
          provider: 'Safe House Org',
          address: '1 Test Street',
          emergencyOutsideNrm: false,
        },
      ],
      ['conclusive-grounds-decision', { outcome: 'positive', decidedOn: on(80) }],
      ['placement/end', { endedOn: on(85), reason: 'moved_on' }],
      ['move-on-support', { startedOn: on(85), provider: 'Move-on Org' }],
      ['exit', { exitedOn: on(125), reason: 'support_completed' }],
      ['follow-ups', { completedOn: on(155), outcome: 'stable', situation: stableSituation }],
      [
        'follow-ups',
        { completedOn: on(215), outcome: 'at_risk', situation: { ...stableSituation, exploitation: 'at_risk' } },
      ],
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
      (await post(caseId, 'consent-declined', { declinedOn: on(0), language: 'en', interpreterUsed: false })).status,
    ).toBe(200);
    expect((await post(caseId, 'duty-to-notify', { submittedOn: on(1), reference: 'DTN-E2E-1' })).status).toBe(200);
    const referral = await post(caseId, 'nrm-referral', {
      submittedOn: on(1),
      competentAuthority: 'single_competent_authority',
      reference: 'X',
    });
    expect(referral).toMatchObject({ status: 422, body: { rule: 'referral-requires-consent' } });
    expect(await eventTypes(caseId)).toEqual(['PotentialVictimIdentified', 'ConsentDeclined', 'DutyToNotifySubmitted']);
  });

  it('a child: referred without consent; a consent step is refused', async () => {
    const caseId = await openCase(true);
    expect(await post(caseId, 'consent', { givenOn: on(0), language: 'en', interpreterUsed: false })).toMatchObject({
      status: 422,
      body: { rule: 'consent-not-needed-for-child' },
    });
    expect(
      (
        await post(caseId, 'nrm-referral', {
          submittedOn: on(0),
          competentAuthority: 'single_competent_authority',
          reference: 'C-1',
        })
      ).status,
    ).toBe(200);
  });

  it('a negative RG decision, reconsidered to positive, back on the path', async () => {
    const caseId = await openCase(true);
    await post(caseId, 'nrm-referral', {
      submittedOn: on(0),
      competentAuthority: 'single_competent_authority',
      reference: 'C-2',
    });
    await post(caseId, 'reasonable-grounds-decision', { outcome: 'negative', decidedOn: on(7) });
    expect(await post(caseId, 'conclusive-grounds-decision', { outcome: 'positive', decidedOn: on(31) })).toMatchObject(
      {
        status: 422,
        body: { rule: 'cg-decision-requires-positive-rg' },
      },
    );
    expect(
      (await post(caseId, 'reconsideration-request', { decision: 'reasonable_grounds', requestedOn: on(9) })).status,
    ).toBe(200);
    expect(
      (
        await post(caseId, 'reconsideration-decision', {
          decision: 'reasonable_grounds',
          outcome: 'positive',
          decidedOn: on(19),
        })
      ).status,
    ).toBe(200);
    expect((await post(caseId, 'conclusive-grounds-decision', { outcome: 'positive', decidedOn: on(92) })).status).toBe(
      200,
    );
  });

  it('applies If-Match: 412 when the case moved on, nothing written', async () => {
    const caseId = await openCase();
    const first = await post(
      caseId,
      'risk-assessments',
      { level: 'high', assessedOn: on(0), rationale: 'r' },
      { headers: { 'if-match': '"0"' } },
    );
    expect(first.status).toBe(200);
    const stale = await post(
      caseId,
      'risk-assessments',
      { level: 'medium', assessedOn: on(1), rationale: 'r' },
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
    expect(
      await post(caseId, 'follow-ups', { completedOn: on(1), outcome: 'stable', situation: stableSituation }),
    ).toMatchObject({
      status: 422,
      body: { rule: 'follow-up-requires-exit' },
    });
    expect((await post(caseId, 'exit', { exitedOn: on(1), reason: 'gone' })).status).toBe(400);
    expect(await eventTypes(caseId)).toEqual(['PotentialVictimIdentified']);
  });
});
