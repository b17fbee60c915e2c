import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  caseDecider,
  caseStream,
  NotPermitted,
  PathwayRuleBroken,
  type CaseCommand,
  type CaseState,
} from '../../../libs/case-domain/src';
import { charityCaseworker, context, policeCaseworker } from '../../../libs/case-domain/src/testing/case-fixtures';
import {
  ConcurrencyConflict,
  handleCommand,
  IdempotencyKeyReused,
  PreconditionFailed,
  StreamStateCache,
  type CommandEnvelope,
  type CommandResult,
} from '../../../libs/command-handling/src';
import { SqliteEventStore } from '../../../libs/event-store/src';

describe.each([
  ['with no cache', false],
  ['with a stream-state cache', true],
])('handleCommand on the embedded event store, %s', (_, cached) => {
  let dir: string;
  let store: SqliteEventStore;
  let caseId: string;
  let cache: StreamStateCache<CaseState> | undefined;
  // Every call in a test shares the test's cache (when cached), as the api's handler does.
  const handle = (command: CaseCommand, env: CommandEnvelope, maxAttempts?: number): Promise<CommandResult> =>
    handleCommand(store, caseDecider, caseStream(caseId), command, env, {
      ...(cache ? { cache } : {}),
      ...(maxAttempts ? { maxAttempts } : {}),
    });
  const envelope = (extra: Partial<CommandEnvelope> = {}): CommandEnvelope => ({
    actor: policeCaseworker,
    correlationId: 'corr-1',
    now: () => context.now,
    ...extra,
  });
  const identify = (id: string): CaseCommand => ({
    type: 'IdentifyPotentialVictim',
    caseId: id,
    identifiedOn: '2026-03-01',
    location: 'Test location',
    encounterContext: 'police_operation',
    indicators: ['debt_bondage'],
    exploitationTypes: ['labour'],
    child: false,
    personal: { name: 'Test Person C' },
  });
  const note = (n: number): CaseCommand => ({ type: 'AddNote', noteId: `note-${n}`, text: `note ${n}` });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marac-handle-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    caseId = randomUUID();
    cache = cached ? new StreamStateCache<CaseState>() : undefined;
    await handle(identify(caseId), envelope());
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends the decided events with the metadata an auditor needs', async () => {
    const result = await handle(note(1), envelope({ causationId: 'req-7' }));

    expect(result).toMatchObject({
      stream: `case-${caseId}`,
      revision: 1n,
      eventTypes: ['NoteAdded'],
      replayed: false,
    });
    const [, recorded] = await store.readStream(caseStream(caseId));
    expect(recorded!.position).toEqual(result.position);
    expect(recorded!.metadata).toEqual({
      actor: { userId: 'user-police-1', role: 'caseworker', agency: 'police-west' },
      correlationId: 'corr-1',
      causationId: 'req-7',
      recordedAt: context.now.toISOString(),
      schemaVersion: 1,
      command: 'AddNote',
    });
    const [identified] = await store.readStream(caseStream(caseId));
    expect((identified!.metadata as { schemaVersion: number }).schemaVersion).toBe(3);
    // When the identification was entered is in its data (deadlines count from it), the same instant.
    expect((identified!.data as { enteredAt?: string }).enteredAt).toBe(context.now.toISOString());
  });

  it('writes nothing when a domain rule says no', async () => {
    const refused = handle({ type: 'ReportFound', foundOn: '2026-04-01' }, envelope());
    await expect(refused).rejects.toThrow(PathwayRuleBroken);
    expect(await store.readStream(caseStream(caseId))).toHaveLength(1);
  });

  it('answers a retry with the same Idempotency-Key with the first result, writing nothing new', async () => {
    const first = await handle(note(1), envelope({ idempotencyKey: 'key-1' }));
    await handle(note(2), envelope());
    const retry = await handle(note(1), envelope({ idempotencyKey: 'key-1' }));

    expect(retry).toEqual({ ...first, replayed: true });
    expect((await store.readStream(caseStream(caseId))).map((e) => e.type)).toEqual([
      'PotentialVictimIdentified',
      'NoteAdded',
      'NoteAdded',
    ]);
  });

  it('refuses an Idempotency-Key reused for a different command, writing nothing, before and after a restart', async () => {
    await handle(note(1), envelope({ idempotencyKey: 'key-1' }));
    const risk: CaseCommand = { type: 'AssessRisk', level: 'high', assessedOn: '2026-03-02', rationale: 'r' };

    await expect(handle(risk, envelope({ idempotencyKey: 'key-1' }))).rejects.toBeInstanceOf(IdempotencyKeyReused);
    // A new process (no cache) reads the key and its command's digest from the events.
    await expect(
      handleCommand(store, caseDecider, caseStream(caseId), risk, envelope({ idempotencyKey: 'key-1' })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReused);
    await expect(
      handleCommand(store, caseDecider, caseStream(caseId), note(1), envelope({ idempotencyKey: 'key-1' })),
    ).resolves.toMatchObject({ replayed: true, revision: 1n });
    expect(await store.readStream(caseStream(caseId))).toHaveLength(2);
  });

  it("never replays one agency's key to another agency", async () => {
    await handle(note(1), envelope({ idempotencyKey: 'key-1' }));

    const otherAgency = handle(note(1), envelope({ actor: charityCaseworker, idempotencyKey: 'key-1' }));
    await expect(otherAgency).rejects.toBeInstanceOf(IdempotencyKeyReused);
    expect(await store.readStream(caseStream(caseId))).toHaveLength(2);
  });

  it('checks access on the current state before answering a retried key', async () => {
    await handle(note(1), envelope({ idempotencyKey: 'key-1' }));
    const seen: string[] = [];
    const authorize = (command: CaseCommand, state: CaseState) => {
      seen.push(`${command.type} on ${state.identifyingAgency}`);
      throw new NotPermitted('not this agency’s case');
    };

    const retried = handleCommand(
      store,
      caseDecider,
      caseStream(caseId),
      note(1),
      envelope({ idempotencyKey: 'key-1' }),
      {
        ...(cache ? { cache } : {}),
        authorize,
      },
    );
    await expect(retried).rejects.toBeInstanceOf(NotPermitted);
    expect(seen).toEqual(['AddNote on police-west']);
  });

  it('applies a conditional command only at the revision the client read', async () => {
    await handle(note(1), envelope({ ifRevision: 0n }));
    const stale = handle(note(2), envelope({ ifRevision: 0n }));

    await expect(stale).rejects.toEqual(new PreconditionFailed(caseStream(caseId), 0n, 1n));
    expect(await store.readStream(caseStream(caseId))).toHaveLength(2);
  });

  it('re-reads and re-decides when concurrent commands race, so none is lost', async () => {
    await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => handle(note(n), envelope())));

    const events = await store.readStream(caseStream(caseId));
    expect(
      events
        .map((e) => (e.data as { noteId?: string }).noteId)
        .slice(1)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `note-${n}`).sort());
  });

  it('gives up with ConcurrencyConflict after its retries, having written nothing for the losers', async () => {
    const levels = ['standard', 'medium', 'high'] as const;
    const outcomes = await Promise.allSettled(
      levels.map((level) =>
        handle({ type: 'AssessRisk', level, assessedOn: '2026-03-02', rationale: 'r' }, envelope(), 1),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
      expect(o.reason).toBeInstanceOf(ConcurrencyConflict);
    }
    expect(await store.readStream(caseStream(caseId))).toHaveLength(2);
  });

  it('decides on old events through their upcasters', async () => {
    const oldCase = randomUUID();
    await store.append(caseStream(oldCase), [
      {
        type: 'PotentialVictimIdentified',
        data: {
          ...identify(oldCase),
          type: undefined,
          identifyingAgency: 'police-west',
          exploitationType: 'criminal',
          child: true,
        },
        metadata: { schemaVersion: 1 },
      },
    ]);
    // A child (read from the v1 event) goes straight to referral, without consent.
    const result = await handleCommand(
      store,
      caseDecider,
      caseStream(oldCase),
      {
        type: 'SubmitNrmReferral',
        submittedOn: '2026-03-03',
        competentAuthority: 'single_competent_authority',
        reference: 'NRM-9',
      },
      envelope(),
    );
    expect(result.eventTypes).toEqual(['NrmReferralSubmitted']);
  });

  it('remembers a key once when a stale cache entry folds the events again (the map is shared, not copied)', async () => {
    const shared = new StreamStateCache<CaseState>();
    const run = (command: CaseCommand, key: string) =>
      handleCommand(store, caseDecider, caseStream(caseId), command, envelope({ idempotencyKey: key }), {
        cache: shared,
      });
    const risk: CaseCommand = { type: 'AssessRisk', level: 'high', assessedOn: '2026-03-02', rationale: 'r' };
    await run(note(1), 'key-1');
    const stale = shared.get(caseStream(caseId))!;
    const first = await run(risk, 'key-2');
    // An entry set late (as concurrent commands may) takes the cache back to revision 1.
    shared.set(caseStream(caseId), stale);

    expect(await run(risk, 'key-2')).toEqual({ ...first, replayed: true });
  });

  it('sees events another writer appended since it last read the stream', async () => {
    await handle(note(1), envelope());
    // Another process (here, a direct append) records a missing report.
    await store.append(caseStream(caseId), [
      { type: 'ReportedMissing', data: { reportedOn: '2026-04-01' }, metadata: { schemaVersion: 1 } },
    ]);

    await expect(handle({ type: 'ReportMissing', reportedOn: '2026-04-02' }, envelope())).rejects.toMatchObject({
      rule: 'already-missing',
    });
    const found = await handle({ type: 'ReportFound', foundOn: '2026-04-03' }, envelope());
    expect(found.revision).toBe(3n);
  });
});

describe('handleCommand deciding on its cached fold', () => {
  let dir: string;
  let store: SqliteEventStore;
  let reads: number;
  let caseId: string;
  const cache = () => new StreamStateCache<CaseState>();
  let states: StreamStateCache<CaseState>;
  const handle = (command: CaseCommand, extra: Partial<CommandEnvelope> = {}) =>
    handleCommand(
      store,
      caseDecider,
      caseStream(caseId),
      command,
      { actor: policeCaseworker, correlationId: 'corr-1', now: () => context.now, ...extra },
      { cache: states },
    );
  /** Another process writing to the stream: straight to the store, past this cache. */
  const appendElsewhere = (type: string, data: object) =>
    store.append(caseStream(caseId), [{ type, data, metadata: { schemaVersion: 1 } }]);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marac-handle-cached-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const readStream = store.readStream.bind(store);
    reads = 0;
    store.readStream = (...args) => {
      reads++;
      return readStream(...args);
    };
    caseId = randomUUID();
    states = cache();
    await handle({
      type: 'IdentifyPotentialVictim',
      caseId,
      identifiedOn: '2026-03-01',
      location: 'Test location',
      encounterContext: 'police_operation',
      indicators: ['debt_bondage'],
      exploitationTypes: ['labour'],
      child: false,
      personal: { name: 'Test Person D' },
    });
    reads = 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends at the cached revision without reading the stream', async () => {
    const result = await handle({ type: 'AddNote', noteId: 'note-1', text: 'note 1' });

    expect(result.revision).toBe(1n);
    expect(reads).toBe(0);
  });

  it('reads what another writer appended when the append at the cached revision fails, and decides again', async () => {
    await appendElsewhere('ReportedMissing', { reportedOn: '2026-04-01' });

    // The cache says "not missing": the append at revision 0 fails, the read says missing.
    await expect(handle({ type: 'ReportMissing', reportedOn: '2026-04-02' })).rejects.toMatchObject({
      rule: 'already-missing',
    });
    expect(await store.readStream(caseStream(caseId))).toHaveLength(2);
  });

  it('refuses only on the state just read, not on a cache another writer left behind', async () => {
    await handle({ type: 'ReportMissing', reportedOn: '2026-04-01' });
    await appendElsewhere('ReportedFound', { foundOn: '2026-04-02' });
    reads = 0;

    // The cache says "missing" and would refuse; the stream says found again, so it is accepted.
    const reported = await handle({ type: 'ReportMissing', reportedOn: '2026-04-03' });
    expect(reported.revision).toBe(3n);
    expect(reads).toBe(1);
  });

  it('answers a failed If-Match only on the state just read', async () => {
    await appendElsewhere('NoteAdded', { noteId: 'elsewhere', text: 'from another process' });

    // The cache is at revision 0, the stream at 1: If-Match "1" holds.
    const result = await handle({ type: 'AddNote', noteId: 'note-2', text: 'note 2' }, { ifRevision: 1n });
    expect(result.revision).toBe(2n);
    await expect(
      handle({ type: 'AddNote', noteId: 'note-3', text: 'note 3' }, { ifRevision: 1n }),
    ).rejects.toBeInstanceOf(PreconditionFailed);
  });
});
