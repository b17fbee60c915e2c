import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tokenFor, useApiServerProcess, type ApiResponse } from '../support/api-client';
import { daysAgo, daysAhead, today } from '../support/dates';

/**
 * A case as it stood (`GET /cases/:id?revision=` and `?asOf=`), the agenda as it stood, and the
 * replay: driven through the API, the live view (the read models in Redis) recorded after every
 * command, then each recorded view compared with the one folded from the event store. Dates are
 * counted from the clock the server runs on.
 */
describe('the case as it stood, and its replay', () => {
  jest.setTimeout(120_000);
  const server = useApiServerProcess();
  const call = (
    method: string,
    path: string,
    options?: Parameters<ReturnType<typeof useApiServerProcess>['call']>[2],
  ) => server.call(method, path, options);
  const police = tokenFor('caseworker', 'police');
  const coordinator = tokenFor('marac_coordinator', 'la-adult-services');
  const auditor = tokenFor('auditor', 'home-office');
  const REASON = 'Inquiry request INQ-2026-0042';

  type Json = Record<string, unknown>;
  /** What the as-of answer adds to the live view's fields: where it stood. */
  const withoutAsOf = ({ asOf: _asOf, ...view }: Json) => view;

  async function ok(response: Promise<ApiResponse>): Promise<ApiResponse> {
    const answered = await response;
    if (answered.status >= 300) throw new Error(`step failed: ${answered.status} ${JSON.stringify(answered.body)}`);
    return answered;
  }

  /** The live view (read models), once they have applied `position`. */
  async function liveView(caseId: string, position: string, token = police): Promise<Json> {
    const view = await ok(call('GET', `/cases/${caseId}?minPosition=${position}`, { token }));
    return view.body;
  }

  async function history(caseId: string): Promise<{ revision: string; recordedAt: string; type: string }[]> {
    const answer = await ok(call('GET', `/cases/${caseId}/history?limit=1000`, { token: auditor }));
    return answer.body.events as { revision: string; recordedAt: string; type: string }[];
  }

  const caseId = randomUUID();
  const meetingId = randomUUID();
  /** The live view after each case command, by the revision it shows. */
  const recorded: Json[] = [];
  /** The live view after each meeting command, with an instant just after the command was answered. */
  const afterMeetingCommands: { at: string; view: Json; agenda: Json }[] = [];

  beforeAll(async () => {
    const act = async (path: string, body: unknown) => {
      const answer = await ok(call('POST', `/cases/${caseId}${path}`, { token: police, body }));
      recorded.push(await liveView(caseId, answer.body.position as string));
    };
    const created = await ok(
      call('POST', '/cases', {
        token: police,
        body: {
          caseId,
          identifiedOn: daysAgo(3),
          location: 'Synthetic location',
          encounterContext: 'police_operation',
          indicators: ['withheld_documents'],
          exploitationTypes: ['labour', 'criminal'],
          child: false,
          area: 'West',
          personal: { name: 'Synthetic As-Of Person', contact: 'as-of@example.invalid' },
        },
      }),
    );
    recorded.push(await liveView(caseId, created.body.position as string));
    await act('/assignment', { caseworkerId: 'cw-as-of', agency: 'police' });
    await act('/consent', { givenOn: daysAgo(3), language: 'en', interpreterUsed: false });
    await act('/nrm-referral', {
      submittedOn: daysAgo(2),
      competentAuthority: 'single_competent_authority',
      reference: 'NRM-AS-OF-1',
    });
    await act('/reasonable-grounds-decision', { outcome: 'positive', decidedOn: daysAgo(1) });
    await act('/placement', {
      placementId: randomUUID(),
      startedOn: daysAgo(1),
      provider: 'Synthetic Safe House Provider',
      address: 'Flat 1, 2 As-Of Street',
      emergencyOutsideNrm: false,
    });
    await act('/risk-assessments', { level: 'high', assessedOn: today(), rationale: 'Synthetic rationale' });
    await act('/marac-referrals', { referredOn: today(), reason: 'High risk of re-exploitation' });

    // The MARAC meeting's commands are the meeting's stream's, not the case's: as of an instant.
    const meetingStep = async (path: string, body: unknown) => {
      const answer = await ok(call('POST', `/marac/meetings${path}`, { token: coordinator, body }));
      const position = answer.body.position as string;
      const view = await liveView(caseId, position);
      const agenda = await ok(
        call('GET', `/marac/meetings/${meetingId}/agenda?minPosition=${position}`, { token: coordinator }),
      );
      afterMeetingCommands.push({ at: new Date().toISOString(), view, agenda: agenda.body });
    };
    await meetingStep('', { meetingId, area: 'West', meetsOn: today(), attendingAgencies: ['housing'] });
    await meetingStep(`/${meetingId}/cases`, { caseId });
    await meetingStep(`/${meetingId}/actions`, {
      actionId: randomUUID(),
      caseId,
      description: 'Synthetic action: find move-on accommodation',
      ownerAgency: 'housing',
      dueOn: daysAhead(7),
    });
    await act('/placement/end', { endedOn: today(), reason: 'moved_on' });
  });

  it('recorded a live view at every revision of the case', () => {
    expect(recorded.map((view) => view.revision)).toEqual(recorded.map((_, revision) => String(revision)));
  });

  it('?revision=n is the live view as it was at revision n, and the head is the live view now', async () => {
    for (const view of recorded) {
      const past = await ok(call('GET', `/cases/${caseId}?revision=${view.revision as string}`, { token: police }));
      expect(withoutAsOf(past.body)).toEqual(view);
      expect(past.body.asOf).toMatchObject({ requested: null, revision: view.revision });
    }
    const head = await ok(call('GET', `/cases/${caseId}`, { token: police }));
    const headAsOf = await ok(
      call('GET', `/cases/${caseId}?revision=${head.body.revision as string}`, { token: police }),
    );
    expect(withoutAsOf(headAsOf.body)).toEqual(head.body);
  });

  it('?asOf=<an event’s recordedAt> is the live view as it was after that event', async () => {
    const events = await history(caseId);
    expect(events).toHaveLength(recorded.length);
    let compared = 0;
    for (const [index, event] of events.entries()) {
      // Two events recorded in the same millisecond are one instant: compare where the instant is the event's own.
      if (events[index + 1]?.recordedAt === event.recordedAt) continue;
      const past = await ok(call('GET', `/cases/${caseId}?asOf=${event.recordedAt}`, { token: police }));
      expect(withoutAsOf(past.body)).toEqual(recorded[index]);
      expect(past.body.asOf).toMatchObject({ requested: event.recordedAt, recordedAt: event.recordedAt });
      compared++;
    }
    expect(compared).toBeGreaterThan(recorded.length / 2);
  });

  it('as of an instant, the MARAC meetings are as they stood then too (view and agenda)', async () => {
    for (const { at, view, agenda } of afterMeetingCommands) {
      const past = await ok(call('GET', `/cases/${caseId}?asOf=${at}`, { token: police }));
      expect(withoutAsOf(past.body)).toEqual(view);
      const pastAgenda = await ok(
        call('GET', `/marac/meetings/${meetingId}/agenda?asOf=${at}`, { token: coordinator }),
      );
      expect(withoutAsOf(pastAgenda.body)).toEqual(agenda);
    }
    // Listed, with the action: the view said so then, and says so as of then.
    expect(afterMeetingCommands.at(-1)!.view).toMatchObject({
      flags: { atMarac: true },
      maracMeetings: [{ meetingId }],
      openMaracActions: [expect.objectContaining({ ownerAgency: 'housing', overdue: false })],
    });
    // Before the meeting was scheduled there was no agenda.
    const before = await call('GET', `/marac/meetings/${meetingId}/agenda?asOf=${daysAgo(10)}T00:00:00Z`, {
      token: coordinator,
    });
    expect(before.status).toBe(404);
    expect(before.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('shows as of then what the reader may see now: personal details on asking, the address to the owning agency only', async () => {
    const head = recorded.length - 1;
    const withPersonal = await ok(
      call('GET', `/cases/${caseId}?revision=${head - 1}&include=personal`, { token: police }),
    );
    expect(withPersonal.body.personal).toMatchObject({ name: 'Synthetic As-Of Person' });
    expect(withPersonal.body.placement).toMatchObject({ address: 'Flat 1, 2 As-Of Street' });
    const audited = await ok(call('GET', `/cases/${caseId}?revision=${head - 1}`, { token: auditor }));
    expect(JSON.stringify(audited.body)).not.toMatch(/As-Of Person|As-Of Street|as-of@/);
    const refused = await call('GET', `/cases/${caseId}?revision=${head - 1}&include=personal`, { token: auditor });
    expect(refused.status).toBe(403);
    const health = tokenFor('caseworker', 'health');
    expect((await call('GET', `/cases/${caseId}?revision=0`, { token: health })).status).toBe(403);
    // A refused reader does not learn the case's revisions: past the head is 403 too, not 404.
    const pastHead = await call('GET', `/cases/${caseId}?revision=9999`, { token: health });
    expect(pastHead.status).toBe(403);
    expect(pastHead.body.detail).not.toMatch(/revision/);
  });

  it('answers 404 (problem+json) past the last revision and before the case existed', async () => {
    const events = await history(caseId);
    const past = await call('GET', `/cases/${caseId}?revision=${events.length}`, { token: police });
    const first = Date.parse(events[0]!.recordedAt);
    const before = await call('GET', `/cases/${caseId}?asOf=${new Date(first - 1).toISOString()}`, { token: police });
    for (const answer of [past, before]) {
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('refuses a bad instant, a bad revision, or both at once (400 problem+json), recording nothing', async () => {
    const reads = async () =>
      ((await ok(call('GET', `/cases/${caseId}/personal-data-reads`, { token: auditor }))).body.reads as unknown[])
        .length;
    const [eventsBefore, readsBefore] = [(await history(caseId)).length, await reads()];
    for (const query of [
      'asOf=yesterday',
      'asOf=2026-02-30T00:00:00Z',
      `asOf=${today()}`,
      'asOf=2026-03-02T09:30:00',
      'revision=-1',
      'revision=1.5',
      'revision=1e3',
      'revision=abc',
      'revision=',
      `revision=1&asOf=${new Date().toISOString()}`,
    ]) {
      const refused = await call('GET', `/cases/${caseId}?${query}&include=personal`, { token: police });
      expect([query, refused.status]).toEqual([query, 400]);
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    }
    for (const query of ['asOf=tomorrow', 'asOf=2026-03-02']) {
      const refused = await call('GET', `/marac/meetings/${meetingId}/agenda?${query}`, { token: coordinator });
      expect([query, refused.status]).toEqual([query, 400]);
    }
    for (const query of ['limit=0', 'limit=1001', 'after=-1', 'after=x', 'asOf=2026-03-02T09:30:00Z']) {
      const refused = await call('GET', `/cases/${caseId}/replay?${query}`, { token: police });
      expect([query, refused.status]).toEqual([query, 400]);
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await history(caseId)).length).toBe(eventsBefore);
    expect(await reads()).toBe(readsBefore);
  });

  describe('replay', () => {
    const NOT_STEPPED = ['revision', 'maracMeetings', 'openMaracActions', 'laterCaseIds', 'asOf'];
    /** A view without its null fields: the replay names a field null on one side only where it changed. */
    const withoutNulls = (value: unknown): unknown =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, field]) => field !== null)
              .map(([key, field]) => [key, withoutNulls(field)]),
          )
        : value;
    const stepped = (view: Json) =>
      Object.fromEntries(Object.entries(view).filter(([key]) => !NOT_STEPPED.includes(key)));
    /** `view` with each change's `after` set at its path. */
    function apply(view: Json, changes: { path: string; after: unknown }[]): Json {
      const next = structuredClone(view);
      for (const { path, after } of changes) {
        const keys = path.split('.');
        let target = next;
        for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Json;
        target[keys.at(-1)!] = after;
      }
      return next;
    }

    it('walks every event once, each with who, when, and the view fields it changed, turning each view into the next', async () => {
      const steps: Json[] = [];
      let after: string | null = null;
      do {
        const page: ApiResponse = await ok(
          call(
            'GET',
            `/cases/${caseId}/replay?limit=4&reason=${encodeURIComponent(REASON)}${after === null ? '' : `&after=${after}`}`,
            {
              token: auditor,
            },
          ),
        );
        expect(page.body.events.length).toBeLessThanOrEqual(4);
        steps.push(...(page.body.events as Json[]));
        after = page.body.next as string | null;
      } while (after !== null);
      const events = await history(caseId);
      expect(steps.map((step) => step.revision)).toEqual(events.map((event) => event.revision));
      expect(steps.map((step) => step.recordedAt)).toEqual(events.map((event) => event.recordedAt));

      let view: Json = {};
      for (const step of steps) {
        expect(step).toMatchObject({
          actor: { userId: expect.any(String), role: expect.any(String), agency: expect.any(String) },
          correlationId: expect.any(String),
          causationId: expect.any(String),
        });
        view = apply(view, step.changes as { path: string; after: unknown }[]);
        const asOf = await ok(
          call(
            'GET',
            `/cases/${caseId}?revision=${step.revision as string}&include=personal&reason=${encodeURIComponent(REASON)}`,
            {
              token: auditor,
            },
          ),
        );
        expect(withoutNulls(view)).toEqual(withoutNulls(stepped(asOf.body)));
      }
      // What the RG decision changed, by name, with its business date.
      const rg = steps.find((step) => step.type === 'ReasonableGroundsDecisionMade')!;
      expect(rg.businessDate).toBe(daysAgo(1));
      expect(rg.actor).toMatchObject({ role: 'caseworker', agency: 'police' });
      expect(rg.changes).toEqual(
        expect.arrayContaining([
          { path: 'stage', before: 'referred', after: 'recovery_period' },
          { path: 'keyDates.reasonableGroundsOn', before: null, after: daysAgo(1) },
        ]),
      );
      // The auditor gave a reason: the person's details shown, and recorded; never the address.
      expect(JSON.stringify(steps)).toMatch(/Synthetic As-Of Person/);
      expect(JSON.stringify(steps)).not.toMatch(/As-Of Street/);
    });

    it('shows an auditor without a reason no personal details, and other agencies nothing', async () => {
      const page = await ok(call('GET', `/cases/${caseId}/replay`, { token: auditor }));
      expect(page.body.personalDataShown).toBe(false);
      expect(JSON.stringify(page.body)).not.toMatch(/As-Of Person|As-Of Street|as-of@/);
      const own = await ok(call('GET', `/cases/${caseId}/replay`, { token: police }));
      expect(JSON.stringify(own.body)).toMatch(/As-Of Street/);
      for (const token of [tokenFor('caseworker', 'health'), tokenFor('caseworker', 'housing'), coordinator]) {
        expect((await call('GET', `/cases/${caseId}/replay`, { token })).status).toBe(403);
      }
    });
  });

  describe('across an upcast event version', () => {
    const oldCase = randomUUID();

    it('folds events stored at version 1 as the live read models do, before and after a newer event', async () => {
      // A case as an older version wrote it: identified with one exploitation type (v1), its
      // referral without `enteredAt` (v1), straight into the store.
      const metadata = (command: string) =>
        JSON.stringify({
          actor: { userId: 'user-police-old', role: 'caseworker', agency: 'police' },
          correlationId: randomUUID(),
          causationId: randomUUID(),
          recordedAt: new Date().toISOString(),
          command,
          schemaVersion: 1,
        });
      const db = new Database(join(server.dataDir(), 'events.sqlite'));
      const insert = db.prepare(
        'INSERT INTO events (stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const old = [
        [
          'PotentialVictimIdentified',
          {
            caseId: oldCase,
            identifyingAgency: 'police',
            identifiedOn: daysAgo(4),
            location: 'Synthetic old location',
            encounterContext: 'police_operation',
            indicators: [],
            exploitationType: 'labour',
            child: false,
            area: 'West',
            personal: { name: 'Synthetic Old Person' },
          },
        ],
        ['ConsentGiven', { givenOn: daysAgo(4), language: 'en', interpreterUsed: false }],
        [
          'NrmReferralSubmitted',
          {
            submittedOn: daysAgo(3),
            firstResponder: 'police',
            competentAuthority: 'single_competent_authority',
            reference: 'NRM-OLD-1',
          },
        ],
      ] as const;
      old.forEach(([type, data], revision) =>
        insert.run(`case-${oldCase}`, revision, randomUUID(), type, JSON.stringify(data), metadata(type), Date.now()),
      );
      db.close();

      // The live read models find it on their own (another writer's commit): wait for them.
      let live: ApiResponse;
      const deadline = Date.now() + 20_000;
      do {
        live = await call('GET', `/cases/${oldCase}`, { token: police });
        if (live.status === 200 && live.body.revision === '2') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      } while (Date.now() < deadline);
      expect(live.body).toMatchObject({ revision: '2', stage: 'referred', exploitationTypes: ['labour'] });
      const atHead = await ok(call('GET', `/cases/${oldCase}?revision=2`, { token: police }));
      expect(withoutAsOf(atHead.body)).toEqual(live.body);
      const identified = await ok(call('GET', `/cases/${oldCase}?revision=0`, { token: police }));
      expect(identified.body).toMatchObject({ stage: 'identified', exploitationTypes: ['labour'] });

      // A current-version event on top: the view as it stood at each, old and new.
      const decided = await ok(
        call('POST', `/cases/${oldCase}/reasonable-grounds-decision`, {
          token: police,
          body: { outcome: 'positive', decidedOn: daysAgo(1) },
        }),
      );
      const after = await liveView(oldCase, decided.body.position as string);
      const asOf = await ok(call('GET', `/cases/${oldCase}?asOf=${new Date().toISOString()}`, { token: police }));
      expect(withoutAsOf(asOf.body)).toEqual(after);
      expect(withoutAsOf((await ok(call('GET', `/cases/${oldCase}?revision=2`, { token: police }))).body)).toEqual(
        live.body,
      );
      const replay = await ok(call('GET', `/cases/${oldCase}/replay`, { token: police }));
      expect((replay.body.events as Json[]).map((step) => step.type)).toEqual([
        'PotentialVictimIdentified',
        'ConsentGiven',
        'NrmReferralSubmitted',
        'ReasonableGroundsDecisionMade',
      ]);
      expect((replay.body.events as { changes: { path: string; after: unknown }[] }[])[0]!.changes).toContainEqual({
        path: 'exploitationTypes',
        before: null,
        after: ['labour'],
      });
    });
  });
});
