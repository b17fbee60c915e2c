import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServer } from '../support/api-client';

/** A MARAC meeting over HTTP: the coordinator runs it, owners complete their actions. */
describe('MARAC meetings over the command API', () => {
  jest.setTimeout(60_000);
  const call = useApiServer();
  const coordinator = tokenFor('marac_coordinator', 'la-adult-services');
  const housingPanel = tokenFor('panel_member', 'housing');
  const healthPanel = tokenFor('panel_member', 'health');
  const caseworker = tokenFor('caseworker', 'police');

  async function openCase(): Promise<string> {
    const caseId = randomUUID();
    const created = await call('POST', '/cases', {
      token: caseworker,
      body: {
        caseId,
        identifiedOn: '2026-03-01',
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
      body: { referredOn: '2026-03-01', reason: 'High risk of re-exploitation' },
    });
    expect(referral.status).toBe(200);
    const meetingId = randomUUID();
    const actionId = randomUUID();
    const meeting = (path: string) => `/marac/meetings/${meetingId}${path}`;

    const scheduled = await call('POST', '/marac/meetings', {
      token: coordinator,
      body: { meetingId, area: 'West', meetsOn: '2026-06-10', attendingAgencies: ['police', 'housing', 'health'] },
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
        dueOn: '2026-06-24',
      },
    });
    expect(agreed).toMatchObject({ status: 200, body: { events: ['MaracActionAgreed'] } });
    expect(
      (await call('POST', meeting('/closure'), { token: coordinator, body: { closedOn: '2026-06-10' } })).status,
    ).toBe(200);

    const byOtherAgency = await call('POST', meeting(`/actions/${actionId}/completion`), {
      token: healthPanel,
      body: { completedOn: '2026-06-20' },
    });
    expect(byOtherAgency.status).toBe(403);
    const byOwner = await call('POST', meeting(`/actions/${actionId}/completion`), {
      token: housingPanel,
      body: { completedOn: '2026-06-20' },
    });
    expect(byOwner).toMatchObject({ status: 200, body: { revision: '5', events: ['MaracActionCompleted'] } });
    const twice = await call('POST', meeting(`/actions/${actionId}/completion`), {
      token: housingPanel,
      body: { completedOn: '2026-06-21' },
    });
    expect(twice).toMatchObject({ status: 422, body: { rule: 'action-already-completed' } });
  });

  it('refuses what the rules and roles refuse, writing nothing', async () => {
    const meetingId = randomUUID();
    const meeting = (path: string) => `/marac/meetings/${meetingId}${path}`;
    await call('POST', '/marac/meetings', {
      token: coordinator,
      body: { meetingId, area: 'East', meetsOn: '2026-06-10', attendingAgencies: [] },
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
          body: { area: 'x', meetsOn: '2026-06-10', attendingAgencies: [] },
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
        dueOn: '2026-06-24',
      },
    });
    expect(unlisted).toMatchObject({ status: 422, body: { rule: 'case-not-listed' } });
    const early = await call('POST', meeting('/closure'), { token: coordinator, body: { closedOn: '2026-06-09' } });
    expect(early).toMatchObject({ status: 422, body: { rule: 'date-before-earlier-event' } });
    // Only the scheduling was written.
    const again = await call('POST', meeting('/closure'), {
      token: coordinator,
      body: { closedOn: '2026-06-10' },
      headers: { 'if-match': '"0"' },
    });
    expect(again.status).toBe(200);
  });
});
