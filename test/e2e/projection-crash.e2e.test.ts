import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  comparePositions,
  formatPosition,
  parsePosition,
  SqliteEventStore,
  type Position,
} from '../../libs/event-store/src';
import { deadlineRules } from '../../libs/read-models/src/deadline-rules';
import { ReadModelKeys, readModelProjections, rebuildReadModels } from '../../libs/read-models/src';
import { lastPosition } from '../../libs/read-models/src/engine/replay';
import { dumpKeys, until } from '../support/read-model-dump';
import { startServer, type ServerProcess } from '../support/server-process';
import { appendWorkload } from '../support/workload';

const WORKER = 'dist/apps/worker/src/main.js';

/**
 * The worker process, as the scale-out profile runs it, killed with SIGKILL while it projects a
 * backlog (no shutdown hook runs), with commands arriving while it is down and after it restarts.
 * Each projection's writes and checkpoint go in one Redis transaction, so whatever instant the kill
 * lands on, the read models it ends with are byte for byte those of a fresh rebuild.
 */
describe('read models across a worker killed mid-projection', () => {
  jest.setTimeout(150_000);
  let dataDir: string;
  let store: SqliteEventStore;
  let redis: Redis;
  const prefix = `e2e-crash-${randomUUID().slice(0, 8)}`;
  let worker: ServerProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-crash-e2e-'));
    store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    redis = new Redis(process.env.TEST_REDIS_URL!);
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await store.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const live = new ReadModelKeys(`${prefix}:rm`).generation(1);
  const names = readModelProjections(deadlineRules()).map((projection) => projection.name);
  const checkpoints = async () =>
    (await redis.mget(...names.map((name) => `${live}:projection:${name}:checkpoint`))).map((value) =>
      value === null ? undefined : parsePosition(value),
    );
  const described = (positions: readonly (Position | undefined)[]) =>
    positions.map((position) => (position ? formatPosition(position) : 'none')).join(' ');
  const start = () =>
    startServer(
      { DATA_DIR: dataDir, REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: prefix },
      WORKER,
      'worker started',
    );

  it('ends identical to a fresh rebuild, checkpoints at the head, after SIGKILLs at arbitrary points', async () => {
    let firstCase = 0;
    const appendCases = async (cases: number) => {
      await appendWorkload(store, cases, { seed: firstCase + 1, concurrent: 100, firstCase });
      firstCase += cases;
    };
    await appendCases(2_500);
    const killedAt: string[] = [];
    for (let round = 0; round < 3; round++) {
      const startedFrom = await checkpoints();
      const before = described(startedFrom);
      const head = (await lastPosition(store))!;
      worker = await start();
      // Kill once this worker has committed something but is not through the backlog.
      const moved = async () => described(await checkpoints()) !== before;
      await until(moved, 30_000);
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toEqual({ code: null, signal: 'SIGKILL' });
      // What the dead worker left: some projection past where it started and short of the head.
      const left = await checkpoints();
      const midway = left.filter((checkpoint, index) => {
        const from = startedFrom[index];
        return (
          checkpoint !== undefined &&
          (from === undefined || comparePositions(checkpoint, from) > 0) &&
          comparePositions(checkpoint, head) < 0
        );
      });
      expect(midway.length).toBeGreaterThan(0);
      killedAt.push(described(left));
      // Commands go on while no worker runs.
      await appendCases(1_500);
    }
    worker = await start();
    await appendCases(300);
    // Caught up, and still caught up a moment later (the worker's reminders append events of their own).
    const caughtUp = async () => {
      const head = await lastPosition(store);
      return (await checkpoints()).every((checkpoint) => checkpoint && comparePositions(checkpoint, head!) === 0);
    };
    // Its reminder processor can still append after the last batch it projected, even as it
    // stops: until a stop leaves it caught up, start it again (a clean stop, not another kill).
    for (let stops = 1; ; stops++) {
      await until(async () => {
        if (!(await caughtUp())) return false;
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return caughtUp();
      }, 60_000);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toEqual({ code: 0, signal: null });
      if (await caughtUp()) break;
      if (stops === 5) throw new Error('the worker kept appending after it caught up, 5 stops running');
      worker = await start();
    }

    const fresh = await rebuildReadModels(store, redis, readModelProjections(deadlineRules()), {
      root: `${prefix}-fresh:rm`,
    });
    const rebuilt = await dumpKeys(redis, new ReadModelKeys(`${prefix}-fresh:rm`).generation(fresh.generation), true);
    const survived = await dumpKeys(redis, live, true);
    expect(killedAt).toHaveLength(3);
    expect(Object.keys(survived).filter((key) => key.startsWith('case-view:state:'))).toHaveLength(firstCase);
    expect(survived).toEqual(rebuilt);
  });
});
