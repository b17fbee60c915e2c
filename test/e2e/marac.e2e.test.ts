import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServer } from '../support/api-client';
import { addDays, daysAgo, daysAhead, today } from '../support/dates';

/** A MARAC meeting over HTTP: the coordinator runs it, owners complete their actions. */
describe('MARAC meetings over the command API', () => {
  jest.setTimeout(60_000);
  const call = useApiServer();
  const coordinator = tokenFor('marac_coordinator', 'la-adult-services');
  const housingPanel = tokenFor('panel_member', 'housing');
  const healthPanel = tokenFor('panel_member', 'health');
  const caseworker = tokenFor('caseworker', 'police');
  // Dated from the clock the server runs on: a meeting held last week, an action due next week.
  const meetsOn = daysAgo(7);
  const dueOn = daysAhead(7);

  async function openCase(): Promise<string> {
    const caseId = randomUUID();
    const created = await call('POST', '/cases', {
      token: caseworker,
      body: {
        caseId,
        identifiedOn: today(),
        location: 'Test location',
        encounterContext: 'community_report',
        indicators: ['isolation'],
        exploitationTypes: ['domestic_servitude'],
        child: false,
        personal: { name: 'Test Person F' },
      },
    });
    expect(created.status).toBe(201);
    return caseId;
  }

  it('schedules, lists, discusses, agrees actions, closes, and the owning agency completes its action', async () => {
    const caseId = await openCase();
    const referral = await call('POST', `/cases/${caseId}/marac-referrals`, {
      token: caseworker,
      body: { referredOn: today(), reason: 'High risk of re-exploitation' },
    });
    expect(referral.status).toBe(200);
    const meetingId = randomUUID();
    const actionId = randomUUID();
    const meeting = (path: string) => `/marac/meetings/${meetingId}${path}`;

    const scheduled = await call('POST', '/marac/meetings', {
      token: coordinator,
      body: { meetingId, area: 'West', meetsOn, attendingAgencies: ['police', 'housing', 'health'] },
    });
    expect(scheduled).toMatchObject({ status: 201, body: { meetingId, revision: '0' } });
    expect((await call('POST', meeting('/cases'), { token: coordinator, body: { caseId } })).status).toBe(200);
    expect(
      (
        await call('POST', meeting('/discussions'), {
          token: coordinator,
          body: { caseId, riskLevel: 'high', decisions: ['Review housing'] },
        })
      ).status,
    ).toBe(200);
    const agreed = await call('POST', meeting('/actions'), {
      token: coordinator,
      body: {
        actionId,
        caseId,
        description: 'Find move-on accommodation',
        ownerAgency: 'housing',
        dueOn,
      },
    });
    expect(agreed).toMatchObject({ status: 200, body: { events: ['MaracActionAgreed'] } });
    expect((await call('POST', meeting('/closure'), { token: coordinator, body: { closedOn: meetsOn } })).status).toBe(
      200,
    );

    const byOtherAgency = await call('POST', meeting(`/actions/${actionId}/completion`), {
      token: healthPanel,
      body: { completedOn: daysAgo(1) },
    });
    expect(byOtherAgency.status).toBe(403);
    const byOwner = await call('POST', meeting(`/actions/${actionId}/completion`), {
      token: housingPanel,
      body: { completedOn: daysAgo(1) },
    });
    expect(byOwner).toMatchObject({ status: 200, body: { revision: '5', events: ['MaracActionCompleted'] } });
    const twice = await call('POST', meeting(`/actions/${actionId}/completion`), {
      token: housingPanel,
      body: { completedOn: today() },
    });
    expect(twice).toMatchObject({ status: 422, body: { rule: 'action-already-completed' } });
  });

  it('refuses what the rules and roles refuse, writing nothing', async () => {
    const meetingId = randomUUID();
    const meeting = (path: string) => `/marac/meetings/${meetingId}${path}`;
    await call('POST', '/marac/meetings', {
      token: coordinator,
      body: { meetingId, area: 'East', meetsOn, attendingAgencies: [] },
    });

    expect((await call('POST', meeting('/cases'), { token: coordinator, body: { caseId: randomUUID() } })).status).toBe(
      404,
    );
    expect(
      (await call('POST', meeting('/cases'), { token: housingPanel, body: { caseId: await openCase() } })).status,
    ).toBe(403);
    expect(
      (
        await call('POST', '/marac/meetings', {
          token: caseworker,
          body: { area: 'x', meetsOn, attendingAgencies: [] },
        })
      ).status,
    ).toBe(403);
    const unlisted = await call('POST', meeting('/actions'), {
      token: coordinator,
      body: {
        actionId: randomUUID(),
        caseId: randomUUID(),
        description: 'x',
        ownerAgency: 'housing',
        dueOn,
      },
    });
    expect(unlisted).toMatchObject({ status: 422, body: { rule: 'case-not-listed' } });
    const early = await call('POST', meeting('/closure'), {
      token: coordinator,
      body: { closedOn: addDays(meetsOn, -1) },
    });
    expect(early).toMatchObject({ status: 422, body: { rule: 'date-before-earlier-event' } });
    // Only the scheduling was written.
    const again = await call('POST', meeting('/closure'), {
      token: coordinator,
      body: { closedOn: meetsOn },
      headers: { 'if-match': '"0"' },
    });
    expect(again.status).toBe(200);
  });
});
