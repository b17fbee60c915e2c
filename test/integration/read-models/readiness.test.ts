import { randomUUID } from 'node:crypto';
import { formatPosition, type EventStore, type Position } from '../../../libs/event-store/src';
import { deadlineRules } from '../../../libs/read-models/src/deadline-rules';
import {
  liveProjectionStatuses,
  ProjectionRunner,
  ReadModelBehind,
  ReadModelNotBuilt,
  ReadModels,
  readModelProjections,
} from '../../../libs/read-models/src';
import { lastPosition } from '../../../libs/read-models/src/engine/replay';
import { until } from '../../support/read-model-dump';
import { useReadModelFixture } from '../../support/read-model-fixture';
import { pausedAfter, withSubscriptions } from '../../support/store-faults';
import { appendWorkload } from '../../support/workload';

/**
 * Redis emptied under a running api must not read as an empty world: a read model being rebuilt
 * from the start (no checkpoint while the store has events, or replaying from zero towards the
 * head it started at) is refused with `ReadModelNotBuilt`, and /health's statuses say so.
 */
describe('read models not built yet (embedded store, real Redis)', () => {
  jest.setTimeout(60_000);
  const fixture = useReadModelFixture();
  let readModels: ReadModels;
  beforeEach(() => (readModels = new ReadModels(fixture.redis, fixture.root, fixture.store)));
  const projections = () => readModelProjections(deadlineRules());
  const names = projections().map((projection) => projection.name);

  /** A gate for a paused subscription; opened after the test, before the runners stop, whatever happens. */
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    fixture.running.unshift({ stop: () => open() });
    return { opened, open: () => open() };
  };
  const runner = (source: EventStore) => {
    const started = new ProjectionRunner(source, fixture.redis, projections(), {
      prefix: fixture.keys.generation(1),
      batchSize: 25,
    });
    fixture.running.push(started);
    return started;
  };
  const refusal = (read: Promise<unknown>) =>
    read.then(
      () => 'answered',
      (error: unknown) => error,
    );

  it('an empty store reads as empty; a store with events and no checkpoint is refused by every read', async () => {
    expect((await readModels.listCases({}, { limit: 10 })).total).toBe(0);
    expect(await liveProjectionStatuses(fixture.redis, fixture.keys, names, fixture.store)).toEqual(
      names.map((name) => ({ name, state: 'running', checkpoint: null })),
    );

    await appendWorkload(fixture.store, 3, { seed: 11 });
    const listed = await refusal(readModels.listCases({}, { limit: 10 }));
    expect(listed).toBeInstanceOf(ReadModelNotBuilt);
    expect((listed as ReadModelNotBuilt).notBuilt).toEqual({
      projection: 'case-view',
      checkpoint: null,
      replayingTo: null,
    });
    expect((listed as Error).message).toContain(
      'case-view read model has no checkpoint while the event store has events',
    );
    const now = Date.now();
    for (const read of [
      readModels.caseView(randomUUID()),
      readModels.caseViews([randomUUID()]),
      readModels.meetingsOfCase(randomUUID()),
      readModels.meetingIdsOfArea('North'),
      readModels.queueCounts({ scope: 'agency', id: 'police' }, now),
      readModels.queueItems('unassigned', { scope: 'agency', id: 'police' }, now, 10),
      readModels.profileCounts(undefined, ['2026-01']),
    ])
      expect(await refusal(read)).toBeInstanceOf(ReadModelNotBuilt);
    expect(
      (await liveProjectionStatuses(fixture.redis, fixture.keys, names, fixture.store)).map((status) => status.state),
    ).toEqual(names.map(() => 'rebuilding'));
  });

  it('a runner replaying from zero keeps its read models refused until it reaches the head it started at', async () => {
    await appendWorkload(fixture.store, 20, { seed: 5 });
    const head = (await lastPosition(fixture.store))!;
    let fortieth: Position | undefined;
    for await (const event of fixture.store.readAll({ maxCount: 40 })) fortieth = event.position;
    const held = gate();
    const replay = runner(withSubscriptions(fixture.store, pausedAfter(40, held.opened)));
    await replay.start();
    // Two batches committed, checkpoints written: the read models hold 40 events of the history.
    await until(() => replay.instances.every((instance) => instance.checkpoint?.commit === fortieth!.commit));

    const listed = await refusal(readModels.listCases({}, { limit: 10 }));
    expect(listed).toBeInstanceOf(ReadModelNotBuilt);
    const progress = { checkpoint: formatPosition(fortieth!), replayingTo: formatPosition(head) };
    expect((listed as ReadModelNotBuilt).notBuilt).toEqual({ projection: 'case-view', ...progress });
    expect((listed as Error).message).toContain(
      `being rebuilt from the start: at ${progress.checkpoint} of ${progress.replayingTo}`,
    );
    expect(await liveProjectionStatuses(fixture.redis, fixture.keys, names, fixture.store)).toEqual(
      names.map((name) => ({ name, state: 'rebuilding', ...progress, reason: expect.any(String) })),
    );
    // Read your writes waits for it, and says why it gave up.
    expect(await refusal(readModels.waitFor(fortieth!, ['case-view'], 100))).toBeInstanceOf(ReadModelNotBuilt);

    held.open();
    await readModels.waitFor(head, names, 20_000);
    expect((await readModels.listCases({}, { limit: 1 })).total).toBe(20);
    expect(
      (await liveProjectionStatuses(fixture.redis, fixture.keys, names, fixture.store)).map((status) => status.state),
    ).toEqual(names.map(() => 'running'));
    // A restart from the checkpoints it reached is no replay from zero.
    await replay.stop();
    await runner(fixture.store).start();
    expect((await readModels.listCases({}, { limit: 1 })).total).toBe(20);
  });

  it('a runner started on an empty store reads its first events as lag, not as a read model missing', async () => {
    const held = gate();
    // Started before the store's first command (as `npm start` listens only once it has), then held.
    const live = runner(withSubscriptions(fixture.store, pausedAfter(0, held.opened)));
    await live.start();
    await appendWorkload(fixture.store, 2, { seed: 21 });
    const head = (await lastPosition(fixture.store))!;
    expect((await readModels.listCases({}, { limit: 10 })).total).toBe(0);
    expect(
      (await liveProjectionStatuses(fixture.redis, fixture.keys, names, fixture.store)).map((status) => status.state),
    ).toEqual(names.map(() => 'running'));
    // Read your writes waits out the lag, and gets there once the runner goes on.
    expect(await refusal(readModels.waitFor(head, ['case-view'], 100))).toBeInstanceOf(ReadModelBehind);
    held.open();
    await readModels.waitFor(head, names, 20_000);
    expect((await readModels.listCases({}, { limit: 10 })).total).toBe(2);
    // Redis emptied later: refused again, as before (the mark went with the rest).
    await live.stop();
    await fixture.redis.unlink(...(await fixture.redis.keys(`${fixture.root}:*`)));
    expect(await refusal(readModels.listCases({}, { limit: 10 }))).toBeInstanceOf(ReadModelNotBuilt);
  });

  it('a runner restarted mid-replay keeps the head the replay started towards', async () => {
    await appendWorkload(fixture.store, 10, { seed: 9 });
    const head = formatPosition((await lastPosition(fixture.store))!);
    const [firstGate, secondGate] = [gate(), gate()];
    const first = runner(withSubscriptions(fixture.store, pausedAfter(10, firstGate.opened)));
    await first.start();
    await until(() => first.instances.every((instance) => instance.checkpoint !== undefined));
    // Replaced mid-replay (as by a worker that took over), while commands go on.
    await appendWorkload(fixture.store, 2, { seed: 10, firstCase: 50 });
    const second = runner(withSubscriptions(fixture.store, pausedAfter(0, secondGate.opened)));
    await second.start();
    expect(
      (await liveProjectionStatuses(fixture.redis, fixture.keys, names, fixture.store)).map(
        (status) => status.state === 'rebuilding' && status.replayingTo,
      ),
    ).toEqual(names.map(() => head));
    // The first one stops without writing again; the second carries on from where it left off.
    const stopping = first.stop();
    firstGate.open();
    await stopping;
    secondGate.open();
    await readModels.waitFor((await lastPosition(fixture.store))!, names, 20_000);
    expect((await readModels.listCases({}, { limit: 1 })).total).toBe(12);
  });
});
