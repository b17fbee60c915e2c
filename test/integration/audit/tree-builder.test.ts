import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { EventStoreDbEventStore, SqliteEventStore, type RecordedEvent } from '../../../libs/event-store/src';
import {
  AUDIT_STORE_FILE,
  MerkleLog,
  SqliteMerkleTreeStore,
  SqliteTreeHeadStore,
  TreeHeadSigningKey,
  merkleTreeHash,
  verifyConsistency,
  verifyInclusion,
  verifyTreeHead,
} from '../../../libs/audit/src';
import { AuditTreeBuilder, auditLeafHash } from '../../../libs/audit/src/tree-builder';
import { startEsdbProtocolServer } from '../../support/esdb-protocol-server';

// The audit tree builder over a real embedded store and real Redis: it catches up, its root is
// the MTH of every event's leaf in $all order, its heads verify, it resumes where it stopped, and
// only the lease holder builds.

const STREAMS = 5;

describe('AuditTreeBuilder', () => {
  jest.setTimeout(60_000);
  let dir: string;
  let file: string;
  let store: SqliteEventStore;
  let redis: Redis;
  let prefix: string;
  const key = TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText());
  const streams = Array.from({ length: STREAMS }, () => `case-${randomUUID()}`);
  const opened: { close(): Promise<void> }[] = [];

  const trees = () => {
    const tree = new SqliteMerkleTreeStore(file);
    const heads = new SqliteTreeHeadStore(file);
    opened.push(tree, heads);
    return { tree, heads };
  };
  const builder = (options: { batchSize?: number } = {}) => {
    const { tree, heads } = trees();
    return new AuditTreeBuilder(store, redis, tree, heads, {
      prefix,
      signingKey: key,
      policy: { maxUnsignedEvents: 7, maxUnsignedSeconds: 3600 },
      leaseMs: 1_000,
      batchSize: options.batchSize ?? 4,
    });
  };
  /** Appends `rounds` events to every stream, the streams taking turns so they interleave in $all. */
  const appendRounds = async (rounds: number, on: SqliteEventStore = store) => {
    for (let round = 0; round < rounds; round++) {
      for (const stream of streams) {
        await on.append(stream, [{ type: 'SyntheticHappened', data: { round, note: `synthetic ${round}` } }]);
      }
    }
  };
  const everyEvent = async () => {
    const events: RecordedEvent[] = [];
    for await (const event of store.readAll()) events.push(event);
    return events;
  };
  const storedSize = async () => (await MerkleLog.open(trees().tree)).treeSize;
  const until = async (condition: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marac-audit-tree-'));
    file = join(dir, AUDIT_STORE_FILE);
    redis = new Redis(process.env.TEST_REDIS_URL!);
    prefix = `tree-${randomUUID()}`;
    // A store first written before events were chained: those events get leaves too.
    const unchained = new SqliteEventStore(join(dir, 'events.sqlite'), { hashChain: false });
    await appendRounds(1, unchained);
    await unchained.close();
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    await appendRounds(3);
  });

  afterAll(async () => {
    for (const one of opened) await one.close();
    await store.close();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('catches up: the root is the MTH of every event’s leaf in $all order, and the signed head verifies', async () => {
    const first = builder();
    const caughtUp = first.caughtUp();
    first.start();
    await caughtUp;
    await first.stop();

    const events = await everyEvent();
    expect(events).toHaveLength(4 * STREAMS);
    expect(events.filter((event) => event.chainHash === undefined)).toHaveLength(STREAMS);
    const leaves = events.map(auditLeafHash);
    const { tree, heads } = trees();
    const log = await MerkleLog.open(tree);
    expect(log.treeSize).toBe(events.length);
    expect(log.rootHash()).toEqual(merkleTreeHash(leaves));

    const head = (await heads.latest())!;
    expect(head.treeSize).toBe(events.length);
    expect(head.rootHash).toEqual(merkleTreeHash(leaves));
    expect(verifyTreeHead(head, key.publicKey)).toBe(true);
    expect(verifyTreeHead(head, TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText()).publicKey)).toBe(false);
    expect(await heads.publicKey(head.keyId)).toEqual(key.publicKey);
    // The checkpoint is the last event's position; every event's leaf index is recorded.
    expect((await tree.checkpoint()).lastPosition).toBe(
      `${events.at(-1)!.position.commit}/${events.at(-1)!.position.prepare}`,
    );
    for (const [index, event] of events.entries()) {
      expect(await tree.leafIndexOf(event.stream, event.revision)).toBe(index);
      const proof = await log.inclusionProof(index, head.treeSize);
      expect(
        verifyInclusion({
          leafIndex: index,
          treeSize: head.treeSize,
          leafHash: auditLeafHash(event),
          inclusionPath: proof,
          rootHash: head.rootHash,
        }),
      ).toBe(true);
    }
  });

  it('stops and restarts with no leaf twice or missed, following live appends, heads consistent', async () => {
    const { heads } = trees();
    const before = (await heads.latest())!;
    await appendRounds(2); // while stopped
    const second = builder({ batchSize: 3 });
    second.start();
    await until(async () => (await storedSize()) === 6 * STREAMS, 'the restarted builder to catch up');
    await appendRounds(2); // while it runs
    await until(async () => (await storedSize()) === 8 * STREAMS, 'the live events');
    await second.stop();

    const events = await everyEvent();
    expect(events).toHaveLength(8 * STREAMS);
    const log = await MerkleLog.open(trees().tree);
    expect(log.treeSize).toBe(events.length);
    expect(log.rootHash()).toEqual(merkleTreeHash(events.map(auditLeafHash)));

    // Every 7 events at least: a head per batch that crossed it, and each later one extends the first.
    const latest = (await heads.latest())!;
    expect(latest.treeSize).toBeGreaterThan(before.treeSize);
    expect(verifyTreeHead(latest, key.publicKey)).toBe(true);
    expect(
      verifyConsistency({
        first: before.treeSize,
        second: latest.treeSize,
        firstHash: before.rootHash,
        secondHash: latest.rootHash,
        consistencyPath: await log.consistencyProof(before.treeSize, latest.treeSize),
      }),
    ).toBe(true);
  });

  it('appends nothing without the lease', async () => {
    const leaseKey = `${prefix}:audit:lease`;
    await redis.set(leaseKey, 'another-process', 'PX', 60_000);
    const sizeBefore = await storedSize();
    const waiting = builder();
    waiting.start();
    await appendRounds(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await storedSize()).toBe(sizeBefore);
    // Once the lease is free, it takes it and appends the rest, exactly once.
    await redis.del(leaseKey);
    await until(async () => (await storedSize()) === 9 * STREAMS, 'the builder to take the freed lease');
    await waiting.stop();
    expect((await MerkleLog.open(trees().tree)).rootHash()).toEqual(
      merkleTreeHash((await everyEvent()).map(auditLeafHash)),
    );
  });

  it('says loudly when the store has fewer events than the tree, and neither deletes nor extends', async () => {
    const sizeBefore = await storedSize();
    // Another store as if the events file were cut short: one event, not the tree's last.
    const cut = new SqliteEventStore(join(dir, 'cut-short.sqlite'));
    await cut.append(streams[0]!, [{ type: 'SyntheticHappened', data: { round: 0 } }]);
    const alarms: string[] = [];
    const { tree, heads } = trees();
    const blind = new AuditTreeBuilder(cut, redis, tree, heads, {
      prefix,
      signingKey: key,
      leaseMs: 1_000,
      alarm: (message) => alarms.push(message),
      truncatedRetryMs: 100,
    });
    blind.start();
    await until(async () => alarms.length > 0, 'the alarm');
    await blind.stop();
    await cut.close();
    expect(alarms[0]).toMatch(/FEWER EVENTS THAN THE AUDIT TREE/);
    expect(await storedSize()).toBe(sizeBefore);
  });
});

describe('AuditTreeBuilder on the EventStoreDB adapter (in-process protocol server)', () => {
  jest.setTimeout(60_000);

  it('builds the same tree through the port, and resumes from its checkpoint', async () => {
    const server = await startEsdbProtocolServer();
    const dir = mkdtempSync(join(tmpdir(), 'marac-audit-tree-esdb-'));
    const file = join(dir, AUDIT_STORE_FILE);
    const store = new EventStoreDbEventStore(server.connectionString);
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    const key = TreeHeadSigningKey.parse(TreeHeadSigningKey.generateText());
    const prefix = `tree-esdb-${randomUUID()}`;
    const streams = [`case-${randomUUID()}`, `case-${randomUUID()}`, `meeting-${randomUUID()}`];
    const opened: { close(): Promise<void> }[] = [];
    const open = () => {
      const tree = new SqliteMerkleTreeStore(file);
      const heads = new SqliteTreeHeadStore(file);
      opened.push(tree, heads);
      return { tree, heads };
    };
    const appendRounds = async (rounds: number) => {
      for (let round = 0; round < rounds; round++) {
        for (const stream of streams) await store.append(stream, [{ type: 'SyntheticHappened', data: { round } }]);
      }
    };
    const buildUntilCaughtUp = async () => {
      const { tree, heads } = open();
      const builder = new AuditTreeBuilder(store, redis, tree, heads, {
        prefix,
        signingKey: key,
        leaseMs: 1_000,
        batchSize: 2,
      });
      const caughtUp = builder.caughtUp();
      builder.start();
      await caughtUp;
      await builder.stop();
    };
    const everyEvent = async () => {
      const events: RecordedEvent[] = [];
      for await (const event of store.readAll()) events.push(event);
      return events;
    };
    try {
      await appendRounds(3);
      await buildUntilCaughtUp();
      await appendRounds(2);
      await buildUntilCaughtUp();
      const events = await everyEvent();
      expect(events).toHaveLength(5 * streams.length);
      const log = await MerkleLog.open(open().tree);
      expect(log.treeSize).toBe(events.length);
      expect(log.rootHash()).toEqual(merkleTreeHash(events.map(auditLeafHash)));
      const head = (await open().heads.latest())!;
      expect(head.treeSize).toBe(events.length);
      expect(verifyTreeHead(head, key.publicKey)).toBe(true);
    } finally {
      for (const one of opened) await one.close();
      await store.close();
      redis.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
