import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { SqliteEventStore } from '../../../libs/event-store/src';
import { defaultDeadlinePolicy } from '../../../libs/case-domain/src';
import { deadlineRules } from '../../../libs/read-models/src/deadline-rules';
import {
  ProjectionRunner,
  ProjectionWorker,
  ReadModelKeys,
  ReadModels,
  readModelProjections,
  RebuildFailed,
  rebuildReadModels,
} from '../../../libs/read-models/src';
import { dumpKeys, until } from '../../support/read-model-dump';
import { appendWorkload } from '../../support/workload';

describe('read models over a synthetic workload (embedded store, real Redis)', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let store: SqliteEventStore;
  let redis: Redis;
  let root: string;
  const projections = () => readModelProjections(deadlineRules());

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-read-models-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    redis = new Redis(process.env.TEST_REDIS_URL!);
    root = `test-${randomUUID()}`;
  });
  afterEach(async () => {
    await store.close();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const caughtUp = async (runner: ProjectionRunner) => {
    let last: bigint | undefined;
    for await (const event of store.readAll({ direction: 'backwards', maxCount: 1 })) last = event.position.commit;
    await until(() => runner.instances.every((instance) => instance.checkpoint?.commit === last));
  };

  it('a projection stopped between events again and again ends identical to a fresh rebuild', async () => {
    const keys = new ReadModelKeys(root);
    const writer = appendWorkload(store, 200, { seed: 7, concurrent: 20 });
    let done = false;
    void writer.finally(() => (done = true));
    while (!done) {
      const runner = new ProjectionRunner(store, redis, projections(), { prefix: keys.generation(1), batchSize: 13 });
      await runner.start();
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 40));
      await runner.stop();
    }
    await writer;
    const live = new ProjectionRunner(store, redis, projections(), { prefix: keys.generation(1) });
    await live.start();
    await caughtUp(live);
    await live.stop();
    const fresh = new ProjectionRunner(store, redis, projections(), { prefix: keys.generation(9) });
    await fresh.start();
    await caughtUp(fresh);
    await fresh.stop();
    const interrupted = await dumpKeys(redis, keys.generation(1));
    expect(Object.keys(interrupted).length).toBeGreaterThan(600);
    expect(interrupted).toEqual(await dumpKeys(redis, keys.generation(9)));
  });

  it('a rebuild while commands arrive ends identical to one done at rest', async () => {
    const keys = new ReadModelKeys(root);
    await appendWorkload(store, 100, { seed: 3 });
    const worker = new ProjectionWorker(store, redis, projections(), {
      root,
      leaseMs: 1_000,
      oldGenerationGraceMs: 60_000,
    });
    worker.start();
    const writer = appendWorkload(store, 150, { seed: 4, firstCase: 1_000, concurrent: 10 });
    const during = await rebuildReadModels(store, redis, projections(), { root, batchSize: 50 });
    await writer;
    const readModels = new ReadModels(redis, root);
    let last: bigint | undefined;
    for await (const event of store.readAll({ direction: 'backwards', maxCount: 1 })) last = event.position.commit;
    await readModels.waitFor(
      { commit: last!, prepare: last! },
      projections().map((p) => p.name),
      20_000,
    );
    await worker.stop();
    const atRest = await rebuildReadModels(store, redis, projections(), { root });
    expect([during.generation, atRest.generation]).toEqual([2, 3]);
    const rebuiltDuring = await dumpKeys(redis, keys.generation(2));
    expect(Object.keys(rebuiltDuring).length).toBeGreaterThan(700);
    expect(rebuiltDuring).toEqual(await dumpKeys(redis, keys.generation(3)));
  });

  // What `npm run projections:rebuild` does: the history folded by worker threads, each over a share of the streams.
  const inThreads = (partitions: number) => ({
    partitions,
    config: {
      eventStore: { kind: 'embedded', file: join(dir, 'events.sqlite') } as const,
      redisUrl: process.env.TEST_REDIS_URL!,
      deadlinePolicy: defaultDeadlinePolicy,
    },
  });

  it('a rebuild folded in worker threads while commands arrive, one folded in one thread at rest, and the live runner end identical', async () => {
    const keys = new ReadModelKeys(root);
    await appendWorkload(store, 300, { seed: 5, concurrent: 30 });
    const writer = appendWorkload(store, 60, { seed: 6, firstCase: 2_000, concurrent: 10 });
    // Small writes: many per partition, counters added up across writes and partitions.
    const threaded = await rebuildReadModels(store, redis, projections(), {
      root,
      replayBatchSize: 7,
      parallel: inThreads(3),
    });
    await writer;
    const sequential = await rebuildReadModels(store, redis, projections(), { root });
    expect([threaded.generation, sequential.generation]).toEqual([2, 3]);
    // The live runner applies the same events one batch at a time, diffing each entity's outputs.
    const live = new ProjectionRunner(store, redis, projections(), { prefix: keys.generation(9), batchSize: 50 });
    await live.start();
    await caughtUp(live);
    await live.stop();
    const rebuilt = await dumpKeys(redis, keys.generation(2), true);
    expect(Object.keys(rebuilt).length).toBeGreaterThan(1_000);
    expect(rebuilt).toEqual(await dumpKeys(redis, keys.generation(3), true));
    expect(rebuilt).toEqual(await dumpKeys(redis, keys.generation(9), true));
  });

  it('a threaded rebuild meeting an event a projection cannot read fails, names it, and leaves readers where they were', async () => {
    const keys = new ReadModelKeys(root);
    await appendWorkload(store, 40, { seed: 8 });
    const stream = 'case-00000000-0000-4000-8000-000000000007';
    const poison = await store.append(stream, [
      { type: 'NoteAdded', data: { note: 'synthetic' }, metadata: { schemaVersion: 99 } },
    ]);
    await appendWorkload(store, 10, { seed: 9, firstCase: 500 });
    const failure = await rebuildReadModels(store, redis, projections(), { root, parallel: inThreads(2) }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RebuildFailed);
    expect((failure as Error).message).toContain(`NoteAdded at ${poison.position.commit}`);
    expect((failure as Error).message).toContain(stream);
    expect(await redis.get(keys.active)).toBeNull();
    expect(await redis.keys(`${keys.generation(2)}:*`)).toEqual([]);
  });

  it('a replay thread that outgrows its heap bound fails the rebuild, says which setting to raise, and leaves readers where they were', async () => {
    const keys = new ReadModelKeys(root);
    await appendWorkload(store, 20, { seed: 10 });
    // 8 MB is less than loading the thread's modules takes.
    const failure = await rebuildReadModels(store, redis, projections(), {
      root,
      parallel: { ...inThreads(2), heapMb: 8 },
    }).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(/ran out of its 8 MB heap: raise REBUILD_THREAD_HEAP_MB/);
    expect(await redis.get(keys.active)).toBeNull();
  });
});
