import Redis from 'ioredis';
import { deadlineRules } from '../../../libs/read-models/src/deadline-rules';
import { ProjectionWorker, ReadModels, readModelProjections, rebuildReadModels } from '../../../libs/read-models/src';
import { lastPosition } from '../../../libs/read-models/src/engine/replay';
import { until } from '../../support/read-model-dump';
import { useReadModelFixture } from '../../support/read-model-fixture';
import { pausedAfter, slowToEnd, withSubscriptions } from '../../support/store-faults';
import { appendWorkload } from '../../support/workload';

/**
 * The projection worker's lease across a rebuild's switch. Stopping the old runner waits for the
 * batch it has in flight, and deleting the old generation SCANs the whole keyspace: under load
 * either outlasted the lease, the worker found its lock gone just after the switch and stopped
 * projecting, and reads at the head (`?minPosition=`) waited out READ_WAIT_MS for nothing.
 */
describe('projection worker lease across a rebuild (embedded store, real Redis)', () => {
  jest.setTimeout(60_000);
  const fixture = useReadModelFixture();
  const projections = () => readModelProjections(deadlineRules());
  const names = projections().map((projection) => projection.name);

  const atHead = async (readModels: ReadModels) =>
    readModels.waitFor((await lastPosition(fixture.store))!, names, 20_000);

  it('keeps its lock and follows the switch while stopping the old runner and the old generation’s deletion outlast the lease', async () => {
    // Long enough that a renewal is not missed when the whole suite loads both cores (300 ms was, once in a
    // CI-like run); the slow steps below still outlast it three times over.
    const leaseMs = 1_000;
    await appendWorkload(fixture.store, 10, { seed: 21 });
    // Its own connection, whose first SCANs take three leases each (a keyspace SCANned under load).
    const slowScans = new Redis(process.env.TEST_REDIS_URL!);
    const scan = slowScans.scan.bind(slowScans) as (...args: unknown[]) => Promise<unknown>;
    let slowed = 0;
    (slowScans as unknown as { scan: typeof scan }).scan = async (...args) => {
      if (slowed++ < 3) await new Promise((resolve) => setTimeout(resolve, 3 * leaseMs));
      return scan(...args);
    };
    fixture.running.push({ stop: () => slowScans.disconnect() });
    const log: string[] = [];
    const worker = new ProjectionWorker(
      withSubscriptions(fixture.store, slowToEnd(3 * leaseMs)),
      slowScans,
      projections(),
      {
        root: fixture.root,
        leaseMs,
        oldGenerationGraceMs: 0,
        log: (message) => log.push(message),
      },
    );
    const readModels = new ReadModels(fixture.redis, fixture.root, fixture.store);
    fixture.running.unshift(worker);
    worker.start();
    await atHead(readModels);

    const rebuilt = await rebuildReadModels(fixture.store, fixture.redis, projections(), { root: fixture.root });
    expect(rebuilt).toMatchObject({ previousGeneration: 1, generation: 2 });
    await appendWorkload(fixture.store, 3, { seed: 22, firstCase: 100 });
    await atHead(readModels);
    await until(async () => (await fixture.redis.keys(`${fixture.keys.generation(1)}:*`)).length === 0, 20_000);

    expect(log.filter((message) => message.includes('lost the projections lock'))).toEqual([]);
    expect(worker.isLeader).toBe(true);
    expect((await readModels.listCases({}, { limit: 1 })).total).toBe(13);
  });

  it('stops renewing the lease of a step hung for many leases, so another worker takes over', async () => {
    const leaseMs = 100;
    await appendWorkload(fixture.store, 5, { seed: 23 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Its runner's subscription will not end (nor pass an event after the first five) until released.
    const hung = withSubscriptions(fixture.store, (inner) => {
      const paused = pausedAfter(Number.MAX_SAFE_INTEGER, released)(inner);
      return { ...paused, unsubscribe: () => released.then(() => paused.unsubscribe()) };
    });
    const stuck = new ProjectionWorker(hung, fixture.redis, projections(), { root: fixture.root, leaseMs });
    fixture.running.push({ stop: () => release() }, stuck);
    const readModels = new ReadModels(fixture.redis, fixture.root, fixture.store);
    stuck.start();
    await atHead(readModels);
    // The switch makes it stop its runner: that step hangs.
    await rebuildReadModels(fixture.store, fixture.redis, projections(), { root: fixture.root });
    const other = new ProjectionWorker(fixture.store, fixture.redis, projections(), { root: fixture.root, leaseMs });
    fixture.running.push(other);
    other.start();
    await until(() => other.isLeader, 20_000);
    await appendWorkload(fixture.store, 2, { seed: 24, firstCase: 100 });
    await atHead(readModels);
    expect((await readModels.listCases({}, { limit: 1 })).total).toBe(7);

    release();
    await until(() => !stuck.isLeader, 20_000);
  });
});
