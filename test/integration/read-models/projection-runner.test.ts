import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { formatPosition, SqliteEventStore, type RecordedEvent } from '../../../libs/event-store/src';
import { ProjectionRunner, type Projection } from '../../../libs/read-models/src';

/** Counts events per type into a hash: enough to see loss or double application. */
function countingProjection(name: string, keyPrefix: string, refuse?: (event: RecordedEvent) => boolean): Projection {
  return {
    name,
    handles: (event) => event.stream.startsWith('case-'),
    apply: (event, tx) => {
      if (refuse?.(event)) throw new Error(`cannot handle ${event.type}`);
      tx.hincrby(`${keyPrefix}:${name}:counts`, event.type, 1);
    },
  };
}

describe('projection runner on the embedded store and real Redis', () => {
  jest.setTimeout(30_000);
  let dir: string;
  let store: SqliteEventStore;
  let redis: Redis;
  let prefix: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-projections-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    redis = new Redis(process.env.TEST_REDIS_URL!);
    prefix = `test-${randomUUID()}`;
  });
  afterEach(async () => {
    await store.close();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = (n: number, type = 'NoteAdded') =>
    store.append(`case-${n % 5}`, [{ type, data: { n } }]).then((result) => formatPosition(result.position));
  const counts = (name: string, keyPrefix = prefix) => redis.hgetall(`${keyPrefix}:${name}:counts`);
  const until = async (condition: () => Promise<boolean>) => {
    while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('applies history, then live events, and keeps its checkpoint with them', async () => {
    for (let n = 0; n < 20; n++) await append(n);
    await store.append('other-stream', [{ type: 'Ignored', data: {} }]);
    const runner = new ProjectionRunner(store, redis, countingProjection('counts', prefix), { keyPrefix: prefix });
    await runner.start();
    await until(async () => (await counts('counts')).NoteAdded === '20');

    const last = await append(20, 'RiskAssessed');
    await until(async () => (await redis.get(runner.checkpointKey)) === last);
    expect(await counts('counts')).toEqual({ NoteAdded: '20', RiskAssessed: '1' });
    expect(await runner.status()).toEqual({ state: 'running', checkpoint: last });
    await runner.stop();
  });

  it('stopped between events and restarted while appends go on, ends identical to a fresh rebuild', async () => {
    const writer = (async () => {
      for (let n = 0; n < 300; n++) {
        await append(n, n % 3 === 0 ? 'RiskAssessed' : 'NoteAdded');
        if (n % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const live = () => new ProjectionRunner(store, redis, countingProjection('counts', prefix), { keyPrefix: prefix });
    for (let round = 0; round < 3; round++) {
      const runner = live();
      await runner.start();
      await new Promise((resolve) => setTimeout(resolve, 30));
      await runner.stop();
    }
    await writer;
    const last = live();
    await last.start();

    const fresh = `${prefix}-fresh`;
    const rebuild = new ProjectionRunner(store, redis, countingProjection('counts', fresh), { keyPrefix: fresh });
    await rebuild.start();
    await until(
      async () =>
        (await redis.get(last.checkpointKey)) !== null &&
        (await redis.get(last.checkpointKey)) === (await redis.get(rebuild.checkpointKey)),
    );
    await until(async () => Object.values(await counts('counts', fresh)).reduce((a, b) => a + Number(b), 0) === 300);
    await until(async () => Object.values(await counts('counts')).reduce((a, b) => a + Number(b), 0) === 300);

    expect(await counts('counts')).toEqual(await counts('counts', fresh));
    expect(await counts('counts')).toEqual({ RiskAssessed: '100', NoteAdded: '200' });
    await Promise.all([last.stop(), rebuild.stop()]);
  });

  it('stops only the projection that cannot handle an event, reports where, and never skips it', async () => {
    await append(0);
    const beforePoison = await append(1);
    const poison = await append(2, 'SomethingUnexpected');
    await append(3);

    const fragile = new ProjectionRunner(
      store,
      redis,
      countingProjection('fragile', prefix, (e) => e.type === 'SomethingUnexpected'),
      {
        keyPrefix: prefix,
      },
    );
    const sturdy = new ProjectionRunner(store, redis, countingProjection('sturdy', prefix), { keyPrefix: prefix });
    await Promise.all([fragile.start(), sturdy.start()]);
    await fragile.stopped();
    await until(async () => (await counts('sturdy')).NoteAdded === '3');

    expect(await fragile.status()).toEqual({
      state: 'stopped',
      checkpoint: beforePoison,
      failedAt: poison,
      eventType: 'SomethingUnexpected',
      error: 'cannot handle SomethingUnexpected',
    });
    expect(await counts('fragile')).toEqual({ NoteAdded: '2' });
    expect(await counts('sturdy')).toEqual({ NoteAdded: '3', SomethingUnexpected: '1' });

    // Fixed (now handles it), restarted: resumes at the event that stopped it, applies it once.
    const fixed = new ProjectionRunner(store, redis, countingProjection('fragile', prefix), { keyPrefix: prefix });
    await fixed.start();
    await until(async () => (await counts('fragile')).NoteAdded === '3');
    expect(await counts('fragile')).toEqual({ NoteAdded: '3', SomethingUnexpected: '1' });
    expect((await fixed.status()).state).toBe('running');
    await Promise.all([fixed.stop(), sturdy.stop()]);
  });
});
