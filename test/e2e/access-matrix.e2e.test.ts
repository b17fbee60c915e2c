import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServer, type ApiResponse } from '../support/api-client';
import { stableSituation } from '../../libs/case-domain/src/testing/case-fixtures';
import { enterCaseWithPersonalData, type PersonalValues } from '../support/case-fixtures';
import { daysAgo, today } from '../support/dates';

/**
 * THE access matrix: role × relation to the case × every route × each sensitive field, one table,
 * every cell asserted over HTTP against the built server. A route the served OpenAPI document has
 * and this table lacks fails the last test: a new route joins the table or is not done.
 *
 * Relations (the actor's agency and the case it asks about):
 * - own:        police asks about R, a police case never referred to the MARAC
 * - other:      health asks about R
 * - referred:   housing asks about Q, a police case referred to the MARAC but listed nowhere
 * - attending:  housing asks about P, a police case referred and listed at meeting M, which housing attends
 * - elsewhere:  health asks about P (health does not attend M)
 * Roles: caseworker, panel_member, marac_coordinator, auditor (without and with a reason), admin,
 * data_protection (erasure, legal holds, the retention queue: pathway facts only, never personal data).
 */
describe('access matrix', () => {
  jest.setTimeout(120_000);
  // Every batch of events gets a signed audit tree head: the consistency row asks for one of them.
  const call = useApiServer({ AUDIT_TREE_HEAD_EVENTS: '1' });

  const RELATIONS = ['own', 'other', 'referred', 'attending', 'elsewhere'] as const;
  type Relation = (typeof RELATIONS)[number];
  const ROLES = [
    'caseworker',
    'panel_member',
    'marac_coordinator',
    'auditor',
    'auditor+reason',
    'admin',
    'data_protection',
  ] as const;
  type Role = (typeof ROLES)[number];
  const AGENCY: Record<Relation, string> = {
    own: 'police',
    other: 'health',
    referred: 'housing',
    attending: 'housing',
    elsewhere: 'health',
  };
  const CASE_OF: Record<Relation, 'P' | 'Q' | 'R'> = {
    own: 'R',
    other: 'R',
    referred: 'Q',
    attending: 'P',
    elsewhere: 'P',
  };
  const REASON = 'Subject access request SAR-2026-17';
  const tokenOf = (role: Role, relation: Relation) => tokenFor(role.replace('+reason', ''), AGENCY[relation]);
  /** The auditor+reason rows send `?reason=` where a route takes one (those that can show personal data). */
  const withReason = (role: Role, path: string) =>
    role === 'auditor+reason' && /^\/cases\/[^/?]+(\/history|\/replay|\/export)?(\?|$)/.test(path)
      ? `${path}${path.includes('?') ? '&' : '?'}reason=${encodeURIComponent(REASON)}`
      : path;

  // Dates from the clock the server runs on: nothing here falls due while the test runs.

  /** The sensitive values of each case: synthetic and unique, so their presence in any answer is unmistakable. */
  const sensitive = (label: string): PersonalValues => {
    const tag = randomUUID().slice(0, 8);
    return {
      name: `Matrix Person ${label} ${tag}`,
      dob: `198${label.charCodeAt(0) % 10}-0${(label.charCodeAt(0) % 9) + 1}-17`,
      contact: `matrix-contact-${tag}@example.invalid`,
      address: `Flat ${tag}, 1 Synthetic Street`,
      note: `Matrix note ${tag}`,
    };
  };
  type Sensitive = ReturnType<typeof sensitive>;
  const FIELDS = ['name', 'dob', 'contact', 'address', 'note'] as const;

  const fixtures = {} as Record<'P' | 'Q' | 'R', { caseId: string; values: Sensitive }>;
  const meetingId = randomUUID();
  const actionId = randomUUID();
  /** Offered by police to health on R, and a transfer of R asked of health: neither answered, so neither opens R. */
  const shareToHealth = randomUUID();
  const transferToHealth = randomUUID();
  const police = tokenFor('caseworker', 'police');
  const coordinator = tokenFor('marac_coordinator', 'la-adult-services');
  let lastPosition = '';
  /** The size of a signed audit tree head (found once the fixtures are written). */
  let signedSize = 0;

  async function ok(response: Promise<ApiResponse>): Promise<ApiResponse> {
    const answered = await response;
    if (answered.status >= 300)
      throw new Error(`fixture step failed: ${answered.status} ${JSON.stringify(answered.body)}`);
    if (typeof answered.body.position === 'string') lastPosition = answered.body.position;
    return answered;
  }

  async function openCase(label: 'P' | 'Q' | 'R', referToMarac: boolean): Promise<void> {
    const caseId = randomUUID();
    const values = sensitive(label);
    fixtures[label] = { caseId, values };
    await enterCaseWithPersonalData(call, ok, { token: police, caseId, values, identifiedDaysAgo: 12, referToMarac });
  }

  beforeAll(async () => {
    await openCase('P', true);
    await openCase('Q', true);
    await openCase('R', false);
    const onR = (path: string, body: unknown) =>
      ok(call('POST', `/cases/${fixtures.R.caseId}/${path}`, { token: police, body }));
    await onR('shares', {
      shareId: shareToHealth,
      withAgency: 'health',
      purpose: 'health_care',
      legalBasis: 'public_task_safeguarding',
      scope: 'summary_and_personal',
      consent: 'given',
    });
    await onR('transfer', { transferId: transferToHealth, toAgency: 'health', reason: 'Moving to the health lead' });
    const meeting = (path: string, body: unknown) =>
      ok(call('POST', `/marac/meetings/${meetingId}${path}`, { token: coordinator, body }));
    await ok(
      call('POST', '/marac/meetings', {
        token: coordinator,
        body: { meetingId, area: 'West', meetsOn: daysAgo(3), attendingAgencies: ['housing'] },
      }),
    );
    await meeting('/cases', { caseId: fixtures.P.caseId });
    await meeting('/actions', {
      actionId,
      caseId: fixtures.P.caseId,
      description: 'Find move-on accommodation',
      ownerAgency: 'housing',
      dueOn: daysAgo(1),
    });
    // Every read below sees the read models with all of the above.
    const caughtUp = await call('GET', `/cases/${fixtures.R.caseId}?minPosition=${lastPosition}`, { token: police });
    expect(caughtUp.status).toBe(200);
    const auditor = tokenFor('auditor', 'police');
    const deadline = Date.now() + 30_000;
    while (signedSize === 0 && Date.now() < deadline) {
      const head = await call('GET', '/audit/tree-head', { token: auditor });
      if (head.status === 200) signedSize = head.body.treeHead.treeSize as number;
      if (signedSize === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(signedSize).toBeGreaterThan(0);
  });

  /**
   * What one answer showed: its status when not 200; otherwise `case` if the asked-about case is in
   * it, then each sensitive field of that case found anywhere in it.
   */
  function observe(response: ApiResponse, relation: Relation): number | string {
    if (response.status !== 200) return response.status;
    const text = JSON.stringify(response.body);
    const { caseId, values } = fixtures[CASE_OF[relation]];
    return [...(text.includes(caseId) ? ['case'] : []), ...FIELDS.filter((field) => text.includes(values[field]))].join(
      ' ',
    );
  }

  // Shorthands for the table's cells. A string: 200, and exactly these of the case and its sensitive fields.
  const F = 403;
  const none = { own: F, other: F, referred: F, attending: F, elsewhere: F } as const;
  type Row = Readonly<Record<Relation, number | string>>;
  type Grid = Readonly<Record<Role, Row>>;
  const everyone = (row: Row): Grid => ({
    caseworker: row,
    panel_member: row,
    marac_coordinator: row,
    auditor: row,
    'auditor+reason': row,
    admin: row,
    data_protection: row,
  });

  const auditorsOnly = (shown: string): Grid => {
    const all = { own: shown, other: shown, referred: shown, attending: shown, elsewhere: shown };
    return { ...everyone(none), auditor: all, 'auditor+reason': all };
  };

  /** Who reads a MARAC meeting's agenda (M, listing P, attended by housing), in every form: P, never a sensitive field. */
  const agendaReaders: Grid = {
    caseworker: { own: F, other: F, referred: '', attending: 'case', elsewhere: F },
    panel_member: { own: F, other: F, referred: '', attending: 'case', elsewhere: F },
    marac_coordinator: { own: '', other: '', referred: '', attending: 'case', elsewhere: 'case' },
    auditor: { own: '', other: '', referred: '', attending: 'case', elsewhere: 'case' },
    'auditor+reason': { own: '', other: '', referred: '', attending: 'case', elsewhere: 'case' },
    admin: none,
    data_protection: none,
  };

  /** Reads: each route with, per role and relation, what the answer must show. */
  const READS: Readonly<Record<string, { readonly path: (relation: Relation) => string; readonly grid: Grid }>> = {
    'GET /cases/{caseId}': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}`,
      grid: {
        caseworker: { own: 'case address', other: F, referred: F, attending: 'case', elsewhere: F },
        panel_member: { own: F, other: F, referred: F, attending: 'case', elsewhere: F },
        marac_coordinator: { own: F, other: F, referred: 'case', attending: 'case', elsewhere: 'case' },
        auditor: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        'auditor+reason': { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        admin: none,
        data_protection: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
      },
    },
    'GET /cases/{caseId}?include=personal': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}?include=personal`,
      grid: {
        caseworker: { own: 'case name dob contact address', other: F, referred: F, attending: F, elsewhere: F },
        panel_member: none,
        marac_coordinator: none,
        auditor: none,
        'auditor+reason': {
          own: 'case name dob contact',
          other: 'case name dob contact',
          referred: 'case name dob contact',
          attending: 'case name dob contact',
          elsewhere: 'case name dob contact',
        },
        admin: none,
        data_protection: none,
      },
    },
    'GET /cases/{caseId}/history': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}/history`,
      grid: {
        caseworker: { own: 'case name dob contact address note', other: F, referred: F, attending: F, elsewhere: F },
        panel_member: none,
        marac_coordinator: none,
        auditor: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        'auditor+reason': {
          own: 'case name dob contact note',
          other: 'case name dob contact note',
          referred: 'case name dob contact note',
          attending: 'case name dob contact note',
          elsewhere: 'case name dob contact note',
        },
        admin: none,
        data_protection: none,
      },
    },
    'GET /cases/{caseId}/access-log': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}/access-log`,
      grid: {
        caseworker: none,
        panel_member: none,
        marac_coordinator: none,
        auditor: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        'auditor+reason': { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        admin: none,
        data_protection: none,
      },
    },
    // The case as it stood (folded from the event store): read as the live view is, by the case as it is now.
    'GET /cases/{caseId}?revision=': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}?revision=5`,
      grid: {
        caseworker: { own: 'case address', other: F, referred: F, attending: 'case', elsewhere: F },
        panel_member: { own: F, other: F, referred: F, attending: 'case', elsewhere: F },
        marac_coordinator: { own: F, other: F, referred: 'case', attending: 'case', elsewhere: 'case' },
        auditor: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        'auditor+reason': { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        admin: none,
        data_protection: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
      },
    },
    'GET /cases/{caseId}?asOf=&include=personal': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}?asOf=${new Date().toISOString()}&include=personal`,
      grid: {
        caseworker: { own: 'case name dob contact address', other: F, referred: F, attending: F, elsewhere: F },
        panel_member: none,
        marac_coordinator: none,
        auditor: none,
        'auditor+reason': {
          own: 'case name dob contact',
          other: 'case name dob contact',
          referred: 'case name dob contact',
          attending: 'case name dob contact',
          elsewhere: 'case name dob contact',
        },
        admin: none,
        data_protection: none,
      },
    },
    // Each event with the view fields it changed: for auditors and the case's own agency, as the history.
    'GET /cases/{caseId}/replay': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}/replay`,
      grid: {
        caseworker: { own: 'case name dob contact address', other: F, referred: F, attending: F, elsewhere: F },
        panel_member: none,
        marac_coordinator: none,
        auditor: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        'auditor+reason': {
          own: 'case name dob contact',
          other: 'case name dob contact',
          referred: 'case name dob contact',
          attending: 'case name dob contact',
          elsewhere: 'case name dob contact',
        },
        admin: none,
        data_protection: none,
      },
    },
    // A disclosure bundle: the stored events (personal fields sealed) and the replay's timeline, as the
    // replay shows it; an auditor only with a reason (a disclosure is never casual).
    'GET /cases/{caseId}/export': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}/export`,
      grid: {
        caseworker: { own: 'case name dob contact address', other: F, referred: F, attending: F, elsewhere: F },
        panel_member: none,
        marac_coordinator: none,
        auditor: none,
        'auditor+reason': {
          own: 'case name dob contact',
          other: 'case name dob contact',
          referred: 'case name dob contact',
          attending: 'case name dob contact',
          elsewhere: 'case name dob contact',
        },
        admin: none,
        data_protection: none,
      },
    },
    'GET /cases/{caseId}/personal-data-reads': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}/personal-data-reads`,
      grid: {
        caseworker: none,
        panel_member: none,
        marac_coordinator: none,
        auditor: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        'auditor+reason': { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        admin: none,
        data_protection: none,
      },
    },
    'GET /cases': {
      path: () => '/cases?limit=500',
      grid: {
        caseworker: { own: 'case', other: '', referred: '', attending: '', elsewhere: '' },
        panel_member: none,
        marac_coordinator: { own: '', other: '', referred: 'case', attending: 'case', elsewhere: 'case' },
        auditor: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        'auditor+reason': { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        admin: none,
        data_protection: none,
      },
    },
    'GET /queues': {
      path: () => '/queues',
      grid: {
        caseworker: { own: '', other: '', referred: '', attending: '', elsewhere: '' },
        panel_member: { own: '', other: '', referred: '', attending: '', elsewhere: '' },
        marac_coordinator: { own: '', other: '', referred: '', attending: '', elsewhere: '' },
        auditor: { own: '', other: '', referred: '', attending: '', elsewhere: '' },
        'auditor+reason': { own: '', other: '', referred: '', attending: '', elsewhere: '' },
        admin: none,
        data_protection: none,
      },
    },
    // The police agency's unassigned queue holds all three cases.
    'GET /queues/{name}': {
      path: () => '/queues/unassigned?agency=police&limit=500',
      grid: {
        caseworker: { own: 'case', other: F, referred: F, attending: F, elsewhere: F },
        panel_member: none,
        marac_coordinator: none,
        auditor: { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        'auditor+reason': { own: 'case', other: 'case', referred: 'case', attending: 'case', elsewhere: 'case' },
        admin: none,
        data_protection: none,
      },
    },
    // Housing owns the overdue action on P.
    'GET /queues/marac-action-overdue': {
      path: () => '/queues/marac-action-overdue?agency=housing',
      grid: {
        caseworker: { own: F, other: F, referred: '', attending: 'case', elsewhere: F },
        panel_member: { own: F, other: F, referred: '', attending: 'case', elsewhere: F },
        marac_coordinator: { own: '', other: '', referred: '', attending: 'case', elsewhere: 'case' },
        auditor: { own: '', other: '', referred: '', attending: 'case', elsewhere: 'case' },
        'auditor+reason': { own: '', other: '', referred: '', attending: 'case', elsewhere: 'case' },
        admin: none,
        data_protection: none,
      },
    },
    'GET /marac/meetings/{meetingId}/agenda': {
      path: () => `/marac/meetings/${meetingId}/agenda`,
      grid: agendaReaders,
    },
    // The same agenda as CSV: the same rows for the same readers, and no sensitive field either.
    'GET /marac/meetings/{meetingId}/agenda.csv': {
      path: () => `/marac/meetings/${meetingId}/agenda.csv`,
      grid: agendaReaders,
    },
    // The same agenda as a PDF, read as its text (pdftotext): the same rows, no sensitive field.
    'GET /marac/meetings/{meetingId}/agenda.pdf': {
      path: () => `/marac/meetings/${meetingId}/agenda.pdf`,
      grid: agendaReaders,
    },
    'GET /marac/meetings/{meetingId}/agenda?asOf=': {
      path: () => `/marac/meetings/${meetingId}/agenda?asOf=${new Date().toISOString()}`,
      grid: agendaReaders,
    },
    // No fixture case is old enough to be due: the row is about who may ask.
    'GET /erasure-reviews': {
      path: () => '/erasure-reviews',
      grid: {
        caseworker: none,
        panel_member: none,
        marac_coordinator: none,
        auditor: { own: '', other: '', referred: '', attending: '', elsewhere: '' },
        'auditor+reason': { own: '', other: '', referred: '', attending: '', elsewhere: '' },
        admin: none,
        data_protection: { own: '', other: '', referred: '', attending: '', elsewhere: '' },
      },
    },
    // The audit tree over every event: for auditors only, and never any event's content.
    'GET /audit/tree-head': {
      path: () => '/audit/tree-head',
      grid: auditorsOnly(''),
    },
    'GET /audit/consistency': {
      path: () => `/audit/consistency?from=${signedSize}&to=${signedSize}`,
      grid: auditorsOnly(''),
    },
    'GET /cases/{caseId}/proof': {
      path: (r) => `/cases/${fixtures[CASE_OF[r]].caseId}/proof`,
      grid: auditorsOnly('case'),
    },
    // The partnership's agencies and their single points of contact: no case in it.
    'GET /agencies': {
      path: () => '/agencies',
      grid: everyone({ own: '', other: '', referred: '', attending: '', elsewhere: '' }),
    },
    'GET /reports/problem-profile': {
      path: () => `/reports/problem-profile?from=${daysAgo(40).slice(0, 7)}&to=${today().slice(0, 7)}`,
      grid: everyone({ own: '', other: '', referred: '', attending: '', elsewhere: '' }),
    },
    // Aggregates for children's services of the area (none of this table's agencies), the coordinator and auditors.
    'GET /reports/children': {
      path: () => '/reports/children?area=West',
      grid: {
        ...everyone(none),
        marac_coordinator: { own: '', other: '', referred: '', attending: '', elsewhere: '' },
        auditor: { own: '', other: '', referred: '', attending: '', elsewhere: '' },
        'auditor+reason': { own: '', other: '', referred: '', attending: '', elsewhere: '' },
      },
    },
    // Prometheus metrics: for the admin role, and never a case id (nor any other value of a case) in them.
    'GET /metrics': {
      path: () => '/metrics',
      grid: { ...everyone(none), admin: { own: '', other: '', referred: '', attending: '', elsewhere: '' } },
    },
  };

  /** Asks every cell of the grid, one request each, and gathers what each answer was judged to be. */
  async function observeGrid(
    cell: (role: Role, relation: Relation) => Promise<number | string>,
  ): Promise<Record<Role, Record<Relation, number | string>>> {
    const observed = {} as Record<Role, Record<Relation, number | string>>;
    for (const role of ROLES) {
      observed[role] = {} as Record<Relation, number | string>;
      for (const relation of RELATIONS) observed[role][relation] = await cell(role, relation);
    }
    return observed;
  }

  /** A command as `role` in `relation`, made conditional on a revision no stream has: its status. */
  async function commandStatus(role: Role, relation: Relation, path: string, body: unknown): Promise<number> {
    const response = await call('POST', path, {
      token: tokenOf(role, relation),
      body,
      headers: { 'if-match': '"999999"' },
    });
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    // A refused actor does not learn the stream's revision.
    if (response.status === 403) expect(response.body).not.toHaveProperty('currentRevision');
    return response.status;
  }

  describe.each(Object.keys(READS))('%s', (route) => {
    it('shows each role, for each relation, exactly what the table says', async () => {
      const { path, grid } = READS[route]!;
      const observed = await observeGrid(async (role, relation) => {
        const response = await call('GET', withReason(role, path(relation)), { token: tokenOf(role, relation) });
        if (response.status !== 200) expect(response.headers.get('content-type')).toMatch(/problem\+json/);
        return observe(response, relation);
      });
      expect(observed).toEqual(grid);
    });
  });

  /**
   * Commands: sent with `If-Match: "999999"`, so an actor the access rules let through gets 412
   * (the case is not at that revision) and nothing is ever written, while one they refuse gets 403
   * without learning the case's revision. Bodies are valid, so neither answer is a 400.
   */
  const A = 412;
  const ownCaseworkerOnly: Grid = {
    caseworker: { own: A, other: F, referred: F, attending: F, elsewhere: F },
    panel_member: none,
    marac_coordinator: none,
    auditor: none,
    'auditor+reason': none,
    admin: none,
    data_protection: none,
  };
  const dataProtectionOnly: Grid = {
    caseworker: none,
    panel_member: none,
    marac_coordinator: none,
    auditor: none,
    'auditor+reason': none,
    admin: none,
    data_protection: { own: A, other: A, referred: A, attending: A, elsewhere: A },
  };
  /** A caseworker of the agency a share or transfer on R is addressed to (health): nobody else. */
  const addresseeOnly: Grid = {
    ...ownCaseworkerOnly,
    caseworker: { own: F, other: A, referred: F, attending: F, elsewhere: F },
  };
  const on = daysAgo(0);
  const CASE_COMMANDS: Readonly<Record<string, { readonly body: unknown; readonly grid: Grid }>> = {
    assignment: { body: { caseworkerId: 'cw-1', agency: 'police' }, grid: ownCaseworkerOnly },
    consent: { body: { givenOn: on, language: 'en', interpreterUsed: false }, grid: ownCaseworkerOnly },
    'consent-declined': { body: { declinedOn: on, language: 'en', interpreterUsed: false }, grid: ownCaseworkerOnly },
    'duty-to-notify': { body: { submittedOn: on, reference: 'DTN-1' }, grid: ownCaseworkerOnly },
    'nrm-referral': {
      body: { submittedOn: on, competentAuthority: 'single_competent_authority', reference: 'NRM-1' },
      grid: ownCaseworkerOnly,
    },
    'reasonable-grounds-decision': { body: { outcome: 'positive', decidedOn: on }, grid: ownCaseworkerOnly },
    'conclusive-grounds-decision': { body: { outcome: 'positive', decidedOn: on }, grid: ownCaseworkerOnly },
    'reconsideration-request': { body: { decision: 'reasonable_grounds', requestedOn: on }, grid: ownCaseworkerOnly },
    'reconsideration-decision': {
      body: { decision: 'reasonable_grounds', outcome: 'positive', decidedOn: on },
      grid: ownCaseworkerOnly,
    },
    'placement-request': { body: { requestedOn: on, emergencyOutsideNrm: false }, grid: ownCaseworkerOnly },
    placement: {
      body: { placementId: randomUUID(), startedOn: on, provider: 'P', address: 'A', emergencyOutsideNrm: false },
      grid: ownCaseworkerOnly,
    },
    'placement/move': { body: { movedOn: on, provider: 'P', address: 'A' }, grid: ownCaseworkerOnly },
    'placement/review': { body: { reviewedOn: on, outcome: 'continue' }, grid: ownCaseworkerOnly },
    'placement/end': { body: { endedOn: on, reason: 'moved_on' }, grid: ownCaseworkerOnly },
    'outreach-support': { body: { startedOn: on, provider: 'P' }, grid: ownCaseworkerOnly },
    'move-on-support': { body: { startedOn: on, provider: 'P' }, grid: ownCaseworkerOnly },
    exit: { body: { exitedOn: on, reason: 'left_support' }, grid: ownCaseworkerOnly },
    'follow-ups': { body: { completedOn: on, outcome: 'stable', situation: stableSituation }, grid: ownCaseworkerOnly },
    missing: { body: { reportedOn: on }, grid: ownCaseworkerOnly },
    found: { body: { foundOn: on }, grid: ownCaseworkerOnly },
    'risk-assessments': { body: { level: 'high', assessedOn: on, rationale: 'r' }, grid: ownCaseworkerOnly },
    'marac-referrals': { body: { referredOn: on, reason: 'r' }, grid: ownCaseworkerOnly },
    notes: {
      body: { noteId: randomUUID(), text: 'A note' },
      grid: { ...ownCaseworkerOnly, panel_member: { own: F, other: F, referred: F, attending: A, elsewhere: F } },
    },
    closure: { body: { closedOn: on, reason: 'support_ended' }, grid: ownCaseworkerOnly },
    reopening: { body: { reopenedOn: on, reason: 'r' }, grid: ownCaseworkerOnly },
    // Between agencies: the owner offers, revokes and asks for a transfer; only the agency a share
    // or transfer is addressed to (health, on R) answers it.
    shares: {
      body: {
        shareId: randomUUID(),
        withAgency: 'housing',
        purpose: 'safeguarding',
        legalBasis: 'public_task_safeguarding',
        scope: 'summary',
        consent: 'not_sought',
      },
      grid: ownCaseworkerOnly,
    },
    'shares/revocation': { body: { shareId: shareToHealth, reason: 'r' }, grid: ownCaseworkerOnly },
    'shares/acceptance': { body: { shareId: shareToHealth }, grid: addresseeOnly },
    'shares/decline': { body: { shareId: shareToHealth, reason: 'r' }, grid: addresseeOnly },
    transfer: { body: { transferId: randomUUID(), toAgency: 'housing', reason: 'r' }, grid: ownCaseworkerOnly },
    'transfer/acceptance': { body: { transferId: transferToHealth }, grid: addresseeOnly },
    'transfer/decline': { body: { transferId: transferToHealth, reason: 'r' }, grid: addresseeOnly },
    // The data-protection role's, on any agency's case; nobody else's.
    erasure: {
      body: { reason: 'data_subject_request', legalBasis: 'art17_1a_no_longer_necessary' },
      grid: dataProtectionOnly,
    },
    'legal-hold': { body: { reason: 'criminal_proceedings' }, grid: dataProtectionOnly },
    'legal-hold/lift': { body: { reason: 'proceedings_concluded' }, grid: dataProtectionOnly },
  };

  describe.each(Object.keys(CASE_COMMANDS))('POST /cases/{caseId}/%s', (route) => {
    it('lets through exactly whom the table says, and writes nothing either way', async () => {
      const { body, grid } = CASE_COMMANDS[route]!;
      const observed = await observeGrid((role, relation) =>
        commandStatus(role, relation, `/cases/${fixtures[CASE_OF[relation]].caseId}/${route}`, body),
      );
      expect(observed).toEqual(grid);
    });
  });

  /** Meeting commands on M (attended by housing; its action owned by housing), and opening a case. */
  const coordinatorOnly: Grid = {
    caseworker: none,
    panel_member: none,
    marac_coordinator: { own: A, other: A, referred: A, attending: A, elsewhere: A },
    auditor: none,
    'auditor+reason': none,
    admin: none,
    data_protection: none,
  };
  const OTHER_COMMANDS: Readonly<
    Record<string, { readonly path: string | (() => string); readonly body: () => unknown; readonly grid: Grid }>
  > = {
    'POST /cases': {
      path: '/cases',
      body: () => ({
        caseId: randomUUID(),
        identifiedOn: on,
        location: 'L',
        encounterContext: 'other',
        indicators: [],
        exploitationTypes: ['unknown'],
        child: false,
        personal: { name: 'Synthetic' },
      }),
      grid: {
        caseworker: { own: A, other: A, referred: A, attending: A, elsewhere: A },
        panel_member: none,
        marac_coordinator: none,
        auditor: none,
        'auditor+reason': none,
        admin: none,
        data_protection: none,
      },
    },
    'POST /marac/meetings': {
      path: '/marac/meetings',
      body: () => ({ meetingId: randomUUID(), area: 'West', meetsOn: on, attendingAgencies: ['housing'] }),
      grid: coordinatorOnly,
    },
    'POST /marac/meetings/{meetingId}/cases': {
      path: () => `/marac/meetings/${meetingId}/cases`,
      body: () => ({ caseId: fixtures.Q.caseId }),
      grid: coordinatorOnly,
    },
    'POST /marac/meetings/{meetingId}/discussions': {
      path: () => `/marac/meetings/${meetingId}/discussions`,
      body: () => ({ caseId: fixtures.P.caseId, riskLevel: 'high', decisions: ['d'] }),
      grid: coordinatorOnly,
    },
    'POST /marac/meetings/{meetingId}/actions': {
      path: () => `/marac/meetings/${meetingId}/actions`,
      body: () => ({
        actionId: randomUUID(),
        caseId: fixtures.P.caseId,
        description: 'd',
        ownerAgency: 'housing',
        dueOn: on,
      }),
      grid: coordinatorOnly,
    },
    'POST /marac/meetings/{meetingId}/actions/{actionId}/completion': {
      path: () => `/marac/meetings/${meetingId}/actions/${actionId}/completion`,
      body: () => ({ completedOn: on }),
      grid: { ...coordinatorOnly, panel_member: { own: F, other: F, referred: A, attending: A, elsewhere: F } },
    },
    'POST /marac/meetings/{meetingId}/closure': {
      path: () => `/marac/meetings/${meetingId}/closure`,
      body: () => ({ closedOn: on }),
      grid: coordinatorOnly,
    },
  };

  describe.each(Object.keys(OTHER_COMMANDS))('%s', (route) => {
    it('lets through exactly whom the table says, and writes nothing either way', async () => {
      const { path, body, grid } = OTHER_COMMANDS[route]!;
      const observed = await observeGrid((role, relation) =>
        commandStatus(role, relation, typeof path === 'string' ? path : path(), body()),
      );
      expect(observed).toEqual(grid);
    });
  });

  /**
   * The queue board (Bull Board: its page, and the JSON its page reads; a GET with a token changes
   * nothing): the admin role only. Bull Board's Express router, not a Nest route, so the OpenAPI
   * document does not list it and the last test cannot find it: these rows stand for it.
   */
  describe.each(['GET /admin/queues', 'GET /admin/queues/api/queues'])('%s', (route) => {
    it('answers the admin role alone, whatever its agency', async () => {
      const path = route.slice('GET '.length);
      const observed = await observeGrid(async (role, relation) => {
        const response = await call('GET', path, { token: tokenOf(role, relation) });
        if (response.status !== 200) expect(response.headers.get('content-type')).toMatch(/problem\+json/);
        return response.status;
      });
      expect(observed).toEqual({
        ...everyone(none),
        admin: { own: 200, other: 200, referred: 200, attending: 200, elsewhere: 200 },
      });
      expect((await call('GET', path)).status).toBe(401);
    });
  });

  describe('a MARAC listing opens a case only after a MARAC referral (D1)', () => {
    const meetingRevision = async () => {
      // If-Match with a revision no meeting has: the 412 names the current one, and writes nothing.
      const probe = await call('POST', `/marac/meetings/${meetingId}/discussions`, {
        token: coordinator,
        body: { caseId: fixtures.P.caseId, riskLevel: 'high', decisions: ['probe'] },
        headers: { 'if-match': '"999999"' },
      });
      expect(probe.status).toBe(412);
      return probe.body.currentRevision as string;
    };

    it('refuses to list a case never referred to the MARAC (422, rule named), writing nothing', async () => {
      const before = await meetingRevision();
      const refused = await call('POST', `/marac/meetings/${meetingId}/cases`, {
        token: coordinator,
        body: { caseId: fixtures.R.caseId },
      });
      expect(refused.status).toBe(422);
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
      expect(refused.body).toMatchObject({ rule: 'listing-requires-marac-referral' });
      expect(await meetingRevision()).toBe(before);
      // So the agencies attending still cannot read it, nor their panel members add notes to it.
      const housing = tokenFor('caseworker', 'housing');
      expect((await call('GET', `/cases/${fixtures.R.caseId}`, { token: housing })).status).toBe(403);
      const note = await call('POST', `/cases/${fixtures.R.caseId}/notes`, {
        token: tokenFor('panel_member', 'housing'),
        body: { noteId: randomUUID(), text: 'Should not be written' },
      });
      expect(note.status).toBe(403);
    });

    it('refuses to list a case of another area at a meeting (422), writing nothing', async () => {
      const caseId = randomUUID();
      await ok(
        call('POST', '/cases', {
          token: police,
          body: {
            caseId,
            identifiedOn: daysAgo(5),
            location: 'Synthetic location',
            encounterContext: 'community_report',
            indicators: [],
            exploitationTypes: ['labour'],
            child: false,
            area: 'East',
            personal: { name: 'Synthetic East' },
          },
        }),
      );
      await ok(
        call('POST', `/cases/${caseId}/marac-referrals`, {
          token: police,
          body: { referredOn: daysAgo(4), reason: 'High risk' },
        }),
      );
      const before = await meetingRevision();
      const refused = await call('POST', `/marac/meetings/${meetingId}/cases`, {
        token: coordinator,
        body: { caseId },
      });
      expect(refused).toMatchObject({ status: 422, body: { rule: 'listing-outside-meeting-area' } });
      expect(await meetingRevision()).toBe(before);
    });

    it.each([
      ['an agency that is not configured', ['housing', 'no-such-agency']],
      ['an agency id with a NUL byte', ['housing\u0000']],
    ])('refuses a meeting attended by %s, writing nothing', async (_, attendingAgencies) => {
      const newMeeting = randomUUID();
      const refused = await call('POST', '/marac/meetings', {
        token: coordinator,
        body: { meetingId: newMeeting, area: 'West', meetsOn: daysAgo(0), attendingAgencies },
      });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.status).toBeLessThan(500);
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
      if (refused.status === 422) expect(refused.body).toMatchObject({ rule: 'agency-not-configured' });
      const agenda = await call('GET', `/marac/meetings/${newMeeting}/agenda?minPosition=${lastPosition}`, {
        token: coordinator,
      });
      expect(agenda.status).toBe(404);
    });

    it('refuses an action owned by an agency that is not configured (422), writing nothing', async () => {
      const before = await meetingRevision();
      const refused = await call('POST', `/marac/meetings/${meetingId}/actions`, {
        token: coordinator,
        body: {
          actionId: randomUUID(),
          caseId: fixtures.P.caseId,
          description: 'd',
          ownerAgency: 'no-such-agency',
          dueOn: daysAgo(0),
        },
      });
      expect(refused).toMatchObject({ status: 422, body: { rule: 'agency-not-configured' } });
      expect(await meetingRevision()).toBe(before);
    });
  });

  it('every route the served OpenAPI document has is a row of this table', async () => {
    const document = await call('GET', '/docs/openapi.json');
    const served = Object.entries(document.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, operations]) =>
        Object.keys(operations)
          .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
          .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const inTable = new Set([
      ...Object.keys(READS).map((route) => route.split('?')[0]!),
      ...Object.keys(CASE_COMMANDS).map((route) => `POST /cases/{caseId}/${route}`),
      ...Object.keys(OTHER_COMMANDS),
      // Readiness probes: no token, no case data.
      'GET /health',
      'GET /health/ping',
    ]);
    const missing = served.filter((route) => !inTable.has(route));
    expect(missing).toEqual([]);
  });
});
