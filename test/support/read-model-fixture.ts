import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { SqliteEventStore } from '../../libs/event-store/src';
import { ReadModelKeys } from '../../libs/read-models/src';

export interface ReadModelFixture {
  store: SqliteEventStore;
  redis: Redis;
  /** A read-model root of this test's own in the shared test Redis. */
  root: string;
  keys: ReadModelKeys;
  /** Stopped in order after the test, passed or failed, so nothing it started outlives it. */
  running: { stop(): Promise<void> | void }[];
}

/**
 * Registers beforeEach/afterEach giving each test a fresh embedded store, a client of the test
 * Redis and a root of its own; afterwards stops what the test listed in `running` and deletes
 * the store and the root's keys.
 */
export function useReadModelFixture(): ReadModelFixture {
  const fixture = {} as ReadModelFixture;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-read-model-fixture-'));
    const root = `test-${randomUUID()}`;
    Object.assign(fixture, {
      store: new SqliteEventStore(join(dir, 'events.sqlite')),
      redis: new Redis(process.env.TEST_REDIS_URL!),
      root,
      keys: new ReadModelKeys(root),
      running: [],
    });
  });
  afterEach(async () => {
    for (const thing of fixture.running) await thing.stop();
    await fixture.store.close();
    const left = await fixture.redis.keys(`${fixture.root}:*`);
    if (left.length > 0) await fixture.redis.unlink(...left);
    fixture.redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });
  return fixture;
}
