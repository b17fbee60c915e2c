import { randomUUID } from 'node:crypto';
import { stableSituation } from '../../libs/case-domain/src/testing/case-fixtures';
import { tokenFor, useApiServer } from '../support/api-client';
import { daysAgo, monthsBefore, today } from '../support/dates';

type Shown = number | string;
type Tree = { [name: string]: Tree | Shown };

/** Every count of a report's tree, by its dotted path: `follow_up.1.outcome.stable` → "<5". */
function leaves(tree: Tree, path: string[] = []): Map<string, Shown> {
  const found = new Map<string, Shown>();
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === 'object') for (const [leaf, shown] of leaves(value, [...path, name])) found.set(leaf, shown);
    else found.set([...path, name].join('.'), value);
  }
  return found;
}

/**
 * The suppressed cells a reader gets back by subtraction: in each group whose cells add up, the
 * one cell not published when all the others are (the total minus the published members, or the
 * sum of the members for a hidden total). Written apart from the server's code, from the
 * response alone.
 */
function recoverable(groups: readonly { total: Shown; members: readonly Shown[]; name: string }[]): string[] {
  return groups
    .filter(({ total, members }) => [total, ...members].filter((cell) => typeof cell !== 'number').length === 1)
    .map(({ name, total, members }) => `${name}: total ${total}, members ${members.join(', ')}`);
}

/** The groups of the problem profile: each count across the months, each breakdown within a month or the totals. */
function profileGroups(profile: { totals: Tree; months: { month: string; counts: Tree }[]; medians: Tree }) {
  const scopes = [
    { name: 'totals', cells: leaves(profile.totals) },
    ...profile.months.map(({ month, counts }) => ({ name: month, cells: leaves(counts) })),
  ];
  const at = (cells: Map<string, Shown>, path: string): Shown => cells.get(path) ?? 0;
  const groups: { total: Shown; members: Shown[]; name: string }[] = [];
  const months = scopes.slice(1);
  for (const path of scopes[0]!.cells.keys())
    groups.push({
      name: `${path} across months`,
      total: at(scopes[0]!.cells, path),
      members: months.map((m) => at(m.cells, path)),
    });
  for (const { name, cells } of scopes) {
    const under = (prefix: string) => [...cells].filter(([path]) => path.startsWith(prefix)).map(([, shown]) => shown);
    const breakdowns: [string, string][] = [
      ['identifications', 'age_group.'],
      ['identifications', 'nationality.'],
      ['referrals', 'referring_agency.'],
    ];
    const stages = new Set([...cells.keys()].flatMap((path) => /^follow_up\.(\d+)\./.exec(path)?.[1] ?? []));
    for (const stage of stages)
      for (const part of [
        'outcome',
        'contact',
        'accommodation',
        'workOrEducation',
        'healthSupport',
        'exploitation',
        'immigrationStatus',
      ])
        breakdowns.push([`follow_up.${stage}.completed`, `follow_up.${stage}.${part}.`]);
    for (const [total, prefix] of breakdowns)
      groups.push({ name: `${name} ${total} by ${prefix}`, total: at(cells, total), members: under(prefix) });
  }
  const medians = profile.medians as Record<string, { cases: Shown }>;
  const totals = scopes[0]!.cells;
  for (const [median, decision] of [
    ['referralToReasonableGrounds', 'reasonable_grounds'],
    ['reasonableGroundsToConclusiveGrounds', 'conclusive_grounds'],
  ] as const)
    groups.push({
      name: `${median} cases`,
      total: medians[median]!.cases,
      members: ['positive', 'negative'].map((outcome) => at(totals, `decision.${decision}.${outcome}`)),
    });
  return groups;
}

/** Outcomes after exit over HTTP: the situation at each follow-up, the profile's outcome cells, the children's register. */
describe('outcomes: follow-up situations, the problem profile’s outcomes, the children’s register', () => {
  jest.setTimeout(120_000);
  const call = useApiServer();
  const police = tokenFor('caseworker', 'police');
  const coordinator = tokenFor('marac_coordinator', 'la-adult-services');
  const auditor = tokenFor('auditor', 'police');

  const stable = stableSituation;

  const post = async (path: string, body: unknown, token = police) => call('POST', path, { token, body });
  const act = async (caseId: string, path: string, body: unknown) => {
    const response = await post(`/cases/${caseId}/${path}`, body);
    expect({ path, status: response.status, body: response.body }).toMatchObject({ path, status: 200 });
    return response.body.position as string;
  };
  async function identify(body: Record<string, unknown>) {
    const caseId = randomUUID();
    const created = await post('/cases', {
      caseId,
      identifiedOn: today(),
      location: 'Synthetic location',
      encounterContext: 'community_report',
      indicators: ['isolation'],
      exploitationTypes: ['labour'],
      child: false,
      personal: { name: 'Outcome Person Zeta' },
      ...body,
    });
    expect(created.status).toBe(201);
    return caseId;
  }

  /** An adult referred 200 days ago, decided, exited 40 days ago: the follow-up at 30 days is due. */
  async function exitedCase(area: string, nationality = 'Testland') {
    const caseId = await identify({ area, nationality, identifiedOn: daysAgo(200) });
    await act(caseId, 'consent', { givenOn: daysAgo(200), language: 'en', interpreterUsed: false });
    await act(caseId, 'nrm-referral', {
      submittedOn: daysAgo(199),
      competentAuthority: 'single_competent_authority',
      reference: `NRM-${caseId.slice(0, 8)}`,
    });
    await act(caseId, 'reasonable-grounds-decision', { outcome: 'positive', decidedOn: daysAgo(190) });
    await act(caseId, 'conclusive-grounds-decision', { outcome: 'positive', decidedOn: daysAgo(100) });
    await act(caseId, 'exit', { exitedOn: daysAgo(40), reason: 'support_completed' });
    return caseId;
  }
  const followUpsOf = async (caseId: string) =>
    ((await call('GET', `/cases/${caseId}/history`, { token: auditor })).body.events as { type: string }[]).filter(
      (event) => event.type === 'FollowUpCompleted',
    ).length;

  it('records the situation at a follow-up and shows it in the case view; bad or contradicting input writes nothing', async () => {
    const caseId = await exitedCase(`Area-${randomUUID().slice(0, 8)}`);
    const situation = { ...stable, accommodation: 'temporary', immigrationStatus: 'unresolved' };
    const position = await act(caseId, 'follow-ups', { completedOn: daysAgo(10), outcome: 'stable', situation });
    const view = await call('GET', `/cases/${caseId}?minPosition=${position}`, { token: police });
    expect(view.body.followUps).toEqual([{ followUp: 1, completedOn: daysAgo(10), outcome: 'stable', situation }]);

    const refused = [
      // The outcome says stable; the situation says contact was lost.
      [{ completedOn: daysAgo(5), outcome: 'stable', situation: { ...stable, contact: 'lost_contact' } }, 422],
      [{ completedOn: daysAgo(5), outcome: 'stable' }, 400],
      [{ completedOn: daysAgo(5), outcome: 'stable', situation: { ...stable, accommodation: 'a flat' } }, 400],
      [{ completedOn: daysAgo(5), outcome: 'stable', situation: { ...stable, notes: 'free text' } }, 400],
      [{ completedOn: daysAgo(5), outcome: 'stable', situation: { contact: 'in_contact' } }, 400],
    ] as const;
    for (const [body, status] of refused) {
      const response = await post(`/cases/${caseId}/follow-ups`, body);
      expect({ body, status: response.status }).toEqual({ body, status });
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      if (status === 422) expect(response.body).toMatchObject({ rule: 'follow-up-situation-contradicts-outcome' });
    }
    expect(await followUpsOf(caseId)).toBe(1);

    // The served document says so too (the bad-input corpus is generated from it): required, closed lists.
    const schemas = (await call('GET', '/docs/openapi.json')).body.components.schemas;
    expect(schemas.FollowUpDto).toMatchObject({ required: expect.arrayContaining(['situation']) });
    expect(schemas.FollowUpSituationDto).toMatchObject({
      additionalProperties: false,
      properties: { accommodation: { enum: ['settled', 'temporary', 'supported', 'homeless', 'unknown'] } },
    });
    expect([...(schemas.FollowUpSituationDto.required as string[])].sort()).toEqual(Object.keys(stable).sort());
  });

  it('problem profile: outcomes by follow-up stage, small cells "<5", and none recoverable from any total', async () => {
    const area = `Area-${randomUUID().slice(0, 8)}`;
    // Nine people followed up at 30 days: six stable (three of them in temporary housing, the rest
    // settled), three at risk and needing health support; two of the nine of another nationality.
    let position = '';
    for (let k = 0; k < 9; k++) {
      const caseId = await exitedCase(area, k < 2 ? 'Otherland' : 'Testland');
      const situation =
        k < 6
          ? { ...stable, accommodation: k < 3 ? 'settled' : 'temporary' }
          : { ...stable, exploitation: 'at_risk', healthSupport: 'needed_not_receiving' };
      position = await act(caseId, 'follow-ups', {
        completedOn: daysAgo(10),
        outcome: k < 6 ? 'stable' : 'at_risk',
        situation,
      });
    }
    const from = monthsBefore(daysAgo(200), 0);
    const to = monthsBefore(today(), 0);
    const profile = await call(
      'GET',
      `/reports/problem-profile?from=${from}&to=${to}&area=${area}&minPosition=${position}`,
      {
        token: coordinator,
      },
    );
    expect(profile.status).toBe(200);
    const stage1 = profile.body.totals.follow_up['1'];
    expect(stage1).toEqual({
      completed: 9,
      // 3 at risk: "<5"; the stable 6 hidden with it, or 9 - 6 would give the 3 back.
      outcome: { stable: 'suppressed', at_risk: '<5' },
      contact: { in_contact: 9 },
      accommodation: { settled: 'suppressed', temporary: '<5' },
      workOrEducation: { employed: 9 },
      healthSupport: { not_needed: 'suppressed', needed_not_receiving: '<5' },
      exploitation: { not_at_risk: 'suppressed', at_risk: '<5' },
      immigrationStatus: { resolved: 9 },
    });
    // Nor does any other suppressed cell come back from any total of the report: across the months,
    // or within one (nationalities 7 and 2 of 9 identifications, say).
    expect(profile.body.totals.nationality).toEqual({ Testland: 'suppressed', Otherland: '<5' });
    const groups = profileGroups(profile.body as Parameters<typeof profileGroups>[0]);
    expect(recoverable(groups)).toEqual([]);
    // The check has something to check: groups hiding two cells or more, in the months and in the totals.
    const hiding = groups.filter((g) => [g.total, ...g.members].filter((cell) => typeof cell !== 'number').length > 1);
    expect(hiding.length).toBeGreaterThan(10);
    expect(profile.body.suppression).toMatch(/suppressed/);
    expect(JSON.stringify(profile.body)).not.toContain('Outcome Person Zeta');
  });

  it('children’s register: an area’s children by stage and outcome now, suppressed, for children’s services of the area', async () => {
    // Six children referred, one awaiting referral and missing, one withdrawn after referral; one child's
    // case closed and one adult: neither counts.
    let position = '';
    const child = () => identify({ child: true, area: 'East' });
    const referral = { submittedOn: today(), competentAuthority: 'single_competent_authority', reference: 'NRM-C' };
    for (let k = 0; k < 6; k++) position = await act(await child(), 'nrm-referral', referral);
    position = await act(await child(), 'missing', { reportedOn: today() });
    const withdrawn = await child();
    await act(withdrawn, 'nrm-referral', referral);
    position = await act(withdrawn, 'exit', { exitedOn: today(), reason: 'left_support' });
    position = await act(await child(), 'closure', { closedOn: today(), reason: 'duplicate' });
    position = await act(await identify({ area: 'East' }), 'consent', {
      givenOn: today(),
      language: 'en',
      interpreterUsed: false,
    });

    const childrensServices = tokenFor('caseworker', 'la-childrens-services');
    const register = await call('GET', `/reports/children?area=East&minPosition=${position}`, {
      token: childrensServices,
    });
    expect(register.status).toBe(200);
    expect(register.body).toMatchObject({
      area: 'East',
      children: 8,
      byStage: {
        identified: 0,
        awaiting_referral: '<5',
        referred: 'suppressed',
        recovery_period: 0,
        negative_reasonable_grounds: 0,
        move_on: 0,
        negative_conclusive_grounds: 0,
        exited: '<5',
      },
      exitedByOutcome: {
        conclusive_grounds_positive: 0,
        conclusive_grounds_negative: 0,
        reasonable_grounds_positive: 0,
        reasonable_grounds_negative: 0,
        no_decision: '<5',
      },
      missing: '<5',
    });
    // 8 - 6 referred - 1 exited would give the 1 awaiting referral back: the referred 6 are hidden too.
    const { children, byStage, exitedByOutcome } = register.body as {
      children: Shown;
      byStage: Tree;
      exitedByOutcome: Tree;
    };
    expect(
      recoverable([
        { name: 'children by stage', total: children, members: Object.values(byStage) as Shown[] },
        {
          name: 'exited by outcome',
          total: byStage.exited as Shown,
          members: Object.values(exitedByOutcome) as Shown[],
        },
      ]),
    ).toEqual([]);
    expect(JSON.stringify(register.body)).not.toContain('Outcome Person Zeta');
    expect(JSON.stringify(register.body)).not.toContain('Synthetic location');

    // Who may read it: children's services of the area, the coordinator, auditors; nobody else.
    const status = async (token: string, area = 'East') =>
      (await call('GET', `/reports/children?area=${area}`, { token })).status;
    expect(await status(childrensServices, 'North')).toBe(403);
    expect(await status(coordinator)).toBe(200);
    expect(await status(auditor, 'North')).toBe(200);
    expect(await status(police)).toBe(403);
    expect(await status(tokenFor('caseworker', 'la-adult-services'))).toBe(403);
    expect(await status(tokenFor('panel_member', 'la-childrens-services'))).toBe(403);
    expect(await status(tokenFor('admin', 'la-childrens-services'))).toBe(403);
    expect((await call('GET', '/reports/children', { token: coordinator })).status).toBe(400);
  });
});
