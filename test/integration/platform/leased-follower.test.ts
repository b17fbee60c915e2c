import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { SqliteEventStore, type Position, type RecordedEvent } from '../../../libs/event-store/src';
import { LeaseLock } from '../../../libs/platform/src/redis/lease-lock';
import {
  LeasedFollower,
  type FollowerHolding,
  type HeldLease,
  type LeasedFollowerOptions,
} from '../../../libs/platform/src/redis/leased-follower';

// The loop the reminder subscription and the audit tree builder share, over a real embedded store
// and real Redis: only the lease's holder follows, a lost lease ends the holding mid-batch, a failed
// batch is retried from the checkpoint, and stop() ends the loop and gives the lease up.

const LEASE_MS = 300;

/** A holding that records what the follower asks of it; its checkpoint moves only when `handle` succeeds. */
class RecordingHolding implements FollowerHolding {
  readonly handled: string[] = [];
  started = 0;
  startedAt = 0;
  closed = false;
  closedAt = 0;
  /** When set, `handle` waits for it (a batch in progress). */
  gate: Promise<void> | undefined;
  /** Thrown by the next `handle` (once). */
  failNext: Error | undefined;
  private checkpoint: Position | 'start' = 'start';

  constructor(
    readonly lease: HeldLease,
    private readonly fromHere: Position | 'start',
  ) {
    this.checkpoint = fromHere;
  }

  async start(): Promise<void> {
    this.started++;
    this.startedAt = Date.now();
    this.checkpoint = this.fromHere;
  }

  from(): Position | 'start' {
    return this.checkpoint;
  }

  async handle(batch: readonly RecordedEvent[]): Promise<void> {
    if (this.gate) await this.gate;
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    this.handled.push(...batch.map((event) => `${event.stream}@${event.revision}`));
    this.checkpoint = batch.at(-1)!.position;
  }

  close(): void {
    this.closed = true;
    this.closedAt = Date.now();
  }
}

/** The same, able to recover: a failed batch comes again from the checkpoint. */
class RecoveringHolding extends RecordingHolding {
  readonly recovered: Error[] = [];
  async recover(error: unknown): Promise<void> {
    this.recovered.push(error as Error);
  }
}

describe('LeasedFollower (embedded store, real Redis)', () => {
  jest.setTimeout(30_000);
  let dir: string;
  let store: SqliteEventStore;
  let redis: Redis;
  const running: LeasedFollower<FollowerHolding>[] = [];

  beforeAll(() => {
    redis = new Redis(process.env.TEST_REDIS_URL!);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-follower-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    for (const follower of running.splice(0)) await follower.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => redis.disconnect());

  const appendTo = async (stream: string, count: number) => {
    for (let index = 0; index < count; index++) {
      await store.append(stream, [{ type: 'SyntheticHappened', data: { index } }]);
    }
  };
  const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const follower = <H extends FollowerHolding>(
    open: (lease: HeldLease) => H,
    options: Partial<LeasedFollowerOptions<H>> & { key?: string } = {},
  ) => {
    const lease = new LeaseLock(redis, options.key ?? `follower-${randomUUID()}`, LEASE_MS);
    const made = new LeasedFollower(store, lease, {
      name: 'test follower',
      lostMessage: 'lost the test lease',
      log: () => undefined,
      retryMs: 50,
      batchSize: 3,
      open,
      ...options,
    });
    running.push(made);
    return made;
  };

  it('follows $all only once it holds the lease: from the start, every event once, in order, filtered', async () => {
    const key = `follower-${randomUUID()}`;
    await redis.set(key, 'another-process', 'PX', 60_000);
    await appendTo('case-a', 4);
    await appendTo('other-b', 2);
    const holdings: RecordingHolding[] = [];
    const following = follower((lease) => last(holdings, new RecordingHolding(lease, 'start')), {
      key,
      filter: { on: 'streamName', prefixes: ['case-'] },
    });
    following.start();
    await new Promise((resolve) => setTimeout(resolve, 3 * 50));
    expect(holdings).toHaveLength(0);

    await redis.del(key);
    await until(() => holdings[0]?.handled.length === 4, 'the first events');
    await appendTo('case-a', 3);
    await until(() => holdings[0]!.handled.length === 7, 'the live events');
    expect(holdings[0]!.handled).toEqual(Array.from({ length: 7 }, (_, revision) => `case-a@${revision}`));
    expect(holdings[0]!.started).toBe(1);
    expect(await redis.get(key)).toBe(following.lease.owner);
  });

  it('a lease lost mid-batch ends the holding after that batch; freed, it is taken again and followed from the checkpoint', async () => {
    await appendTo('case-a', 2);
    const holdings: RecordingHolding[] = [];
    const logs: string[] = [];
    let checkpoint: Position | 'start' = 'start';
    const following = follower(
      (lease) => {
        if (holdings.length > 0) checkpoint = holdings.at(-1)!.from();
        return last(holdings, new RecordingHolding(lease, checkpoint));
      },
      { log: (line) => logs.push(line) },
    );
    following.start();
    await until(() => holdings[0]?.handled.length === 2, 'the first batch');

    let release!: () => void;
    holdings[0]!.gate = new Promise((resolve) => (release = resolve));
    await appendTo('case-a', 1);
    // Mid-batch, another process takes the lease: the next renewal finds it gone.
    await redis.set(following.lease.key, 'another-process', 'PX', 60_000);
    await until(() => holdings[0]!.lease.lost, 'the renewal to find the lease gone');
    expect(holdings[0]!.lease.active).toBe(false);
    release();
    await until(() => holdings[0]!.closed, 'the holding to end');
    expect(logs).toContain('test follower: lost the test lease');
    await appendTo('case-a', 2);
    await new Promise((resolve) => setTimeout(resolve, 4 * 50));
    expect(holdings).toHaveLength(1);
    expect(holdings[0]!.handled).toEqual(['case-a@0', 'case-a@1', 'case-a@2']);

    await redis.del(following.lease.key);
    await until(() => holdings[1]?.handled.length === 2, 'a new holding');
    expect(holdings[1]!.handled).toEqual(['case-a@3', 'case-a@4']);
  });

  it('a lease lost while it waits for events ends the holding at the next renewal, with no event to wake it', async () => {
    await appendTo('case-a', 1);
    const holdings: RecordingHolding[] = [];
    const following = follower((lease) => last(holdings, new RecordingHolding(lease, 'start')));
    following.start();
    await until(() => holdings[0]?.handled.length === 1, 'the first event');
    await redis.set(following.lease.key, 'another-process', 'PX', 60_000);
    await until(() => holdings[0]!.closed, 'the holding to end');
    expect(holdings[0]!.lease.lost).toBe(true);
    expect(await redis.get(following.lease.key)).toBe('another-process');
  });

  it('a failed batch is retried from the checkpoint after a pause when the holding recovers, within the same holding', async () => {
    await appendTo('case-a', 5);
    const holdings: RecoveringHolding[] = [];
    const following = follower((lease) => {
      const holding = new RecoveringHolding(lease, 'start');
      holding.failNext = new Error('Redis went away');
      return last(holdings, holding);
    });
    following.start();
    await until(() => holdings[0]?.handled.length === 5, 'every event');
    expect(holdings).toHaveLength(1);
    expect(holdings[0]!.recovered.map((error) => error.message)).toEqual(['Redis went away']);
    expect(holdings[0]!.handled).toEqual(Array.from({ length: 5 }, (_, revision) => `case-a@${revision}`));
  });

  it('without recover, an error ends the holding: said, the lease given up, taken again after the pause `failed` names', async () => {
    await appendTo('case-a', 2);
    const holdings: RecordingHolding[] = [];
    const logs: string[] = [];
    const following = follower(
      (lease) => {
        const holding = new RecordingHolding(lease, 'start');
        if (holdings.length < 2) holding.failNext = new Error(holdings.length === 0 ? 'plain' : 'special');
        return last(holdings, holding);
      },
      {
        log: (line) => logs.push(line),
        failed: (error) => ((error as Error).message === 'special' ? 120 : undefined),
      },
    );
    following.start();
    await until(() => holdings[2]?.handled.length === 2, 'a third holding');
    expect(holdings.map((holding) => [holding.started, holding.closed])).toEqual([
      [1, true],
      [1, true],
      [1, false],
    ]);
    expect(logs).toEqual(['test follower: plain; trying again in 50 ms']);
    // The error `failed` handled itself waited its own 120 ms, not `retryMs`.
    expect(holdings[2]!.startedAt - holdings[1]!.closedAt).toBeGreaterThanOrEqual(110);
  });

  it('stop() ends the loop while it waits for events, closes the holding and gives the lease up', async () => {
    await appendTo('case-a', 1);
    const holdings: RecordingHolding[] = [];
    const following = follower((lease) => last(holdings, new RecordingHolding(lease, 'start')));
    following.start();
    await until(() => holdings[0]?.handled.length === 1, 'the first event');
    await following.stop();
    expect(holdings[0]!.closed).toBe(true);
    expect(holdings[0]!.lease.active).toBe(false);
    expect(await redis.exists(following.lease.key)).toBe(0);
    await appendTo('case-a', 1);
    await new Promise((resolve) => setTimeout(resolve, 3 * 50));
    expect(holdings[0]!.handled).toEqual(['case-a@0']);
    expect(holdings).toHaveLength(1);
  });

  it('seize takes the lease from its holder, runs the work on a holding of its own, and gives the lease up', async () => {
    const holder = follower((lease) => new RecordingHolding(lease, 'start'));
    await redis.set(holder.lease.key, 'another-process', 'PX', 60_000);
    const seized = await holder.seize(async (holding) => {
      expect(await redis.get(holder.lease.key)).toBe(holder.lease.owner);
      return holding.from();
    });
    expect(seized).toBe('start');
    expect(await redis.exists(holder.lease.key)).toBe(0);
  });
});

function last<T>(list: T[], item: T): T {
  list.push(item);
  return item;
}
