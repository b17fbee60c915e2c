import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Actor } from '../../../libs/case-domain/src';
import { SqliteEventStore } from '../../../libs/event-store/src';
import { CASE_READ, ReadLogIndex } from '../../../libs/audit/src';
import { CaseReadLog } from '../../../apps/api/src/queries/case-read-log';

// The access log over a real embedded store and real Redis: reads written by several processes'
// read logs (and the one-event-per-read streams of earlier versions) are paged case by case in
// the order they were written, and the index is made again from the store when Redis loses it.

const reader = (userId: string, role = 'caseworker'): Actor =>
  ({ userId, role, agency: { id: 'police' } }) as unknown as Actor;

describe('the read log and its index', () => {
  jest.setTimeout(30_000);
  let dir: string;
  let store: SqliteEventStore;
  let redis: Redis;
  let prefix: string;
  const caseId = randomUUID();
  const other = randomUUID();
  const logs: CaseReadLog[] = [];
  const newLog = () => {
    const log = new CaseReadLog(store, redis, { redisKeyPrefix: prefix });
    logs.push(log);
    return log;
  };
  const users = (page: { reads: readonly { reader: { userId: string } }[] }) => page.reads.map((r) => r.reader.userId);
  const everything = async (log: CaseReadLog, id: string, limit: number) => {
    const seen: string[] = [];
    let after: number | undefined;
    for (;;) {
      const page = await log.page(id, { limit, after });
      expect(page.reads.length).toBeLessThanOrEqual(limit);
      seen.push(...users(page));
      if (page.next === null) return seen;
      after = Number(page.next);
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-read-log-index-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    redis = new Redis(process.env.TEST_REDIS_URL!);
    prefix = `test-read-log-${randomUUID()}`;
  });

  afterEach(async () => {
    for (const log of logs.splice(0)) await log.flushed();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages a case’s reads in order across writers, earlier versions’ streams first, with who, route and reason', async () => {
    // What an earlier version wrote: one event per read, in a stream of the case's own.
    await store.append(`read-log-${caseId}`, [
      {
        type: CASE_READ,
        data: { caseId, reader: { agency: 'police', role: 'auditor', userId: 'legacy' }, route: 'GET /cases/{caseId}' },
      },
    ]);
    const [first, second] = [newLog(), newLog()];
    first.record([caseId, other], reader('u1'), 'GET /marac/meetings/{meetingId}/agenda');
    first.record([caseId], reader('u2'), 'GET /cases/{caseId}');
    first.record([caseId], reader('u2'), 'GET /cases/{caseId}'); // the same read twice in one turn: two reads
    await first.flushed();
    second.record([caseId], reader('u3', 'auditor'), 'GET /cases/{caseId}/replay', 'Synthetic inquiry');
    await second.flushed();
    first.record([caseId], reader('u4'), 'GET /cases/{caseId}/history');

    const page = await first.page(caseId, { limit: 100 });
    expect(page.next).toBeNull();
    expect(users(page)).toEqual(['legacy', 'u1', 'u2', 'u2', 'u3', 'u4']);
    expect(page.reads[4]).toEqual({
      stream: second.stream,
      revision: '0',
      readAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      reader: { userId: 'u3', role: 'auditor', agency: 'police' },
      route: 'GET /cases/{caseId}/replay',
      reason: 'Synthetic inquiry',
    });
    expect(page.reads[0]).toMatchObject({ stream: `read-log-${caseId}`, reason: null });
    expect(page.reads[5]).toMatchObject({ stream: first.stream, revision: '1' });
    const times = page.reads.map((read) => Date.parse(read.readAt));
    expect(times.every((time, n) => n === 0 || time >= times[n - 1]!)).toBe(true);

    for (const limit of [1, 2, 4]) expect(await everything(second, caseId, limit)).toEqual(users(page));
    expect(users(await second.page(other, { limit: 10 }))).toEqual(['u1']);
    expect((await second.page(randomUUID(), { limit: 10 })).reads).toEqual([]);
  });

  it('makes the index again from the store when Redis loses it, without doubling a read', async () => {
    const log = newLog();
    for (let turn = 0; turn < 30; turn++) {
      for (let n = 0; n < 40; n++)
        log.record([n % 2 === 0 ? caseId : other], reader(`u${turn}-${n}`), 'GET /cases/{caseId}');
      await log.flushed();
    }
    const before = await everything(log, caseId, 1_000);
    expect(before).toHaveLength(600);

    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    // Two indexes catching up side by side (a worker's and an api's) write the same members.
    const small = new ReadLogIndex(store, redis, prefix, 7);
    await Promise.all([small.catchUp(), new ReadLogIndex(store, redis, prefix, 13).catchUp(), small.catchUp()]);
    expect(await everything(log, caseId, 1_000)).toEqual(before);
    expect(await everything(log, caseId, 37)).toEqual(before);
    // Redis holds where each read is, a few bytes, not what it says (that stays in the store).
    const members = await redis.zrangebyscore(`${prefix}:read-log:case:${caseId}`, '-inf', '+inf');
    expect(members).toHaveLength(600);
    for (const member of members) expect(member).toMatch(/^\d+\/\d+ \d+$/);
  });

  it('indexes only past its checkpoint: a page after more reads shows the new ones once', async () => {
    const log = newLog();
    log.record([caseId], reader('before'), 'GET /cases/{caseId}');
    expect(users(await log.page(caseId, { limit: 10 }))).toEqual(['before']);
    const index = new ReadLogIndex(store, redis, prefix);
    log.record([caseId], reader('after'), 'GET /cases/{caseId}');
    await log.flushed();
    const checkpoint = () => redis.get(`${prefix}:read-log:checkpoint`);
    const before = await checkpoint();
    void index.catchUp();
    await index.idle(); // what shutdown waits for: the catch-up in progress, ended
    expect(await checkpoint()).not.toBe(before);
    await index.catchUp();
    expect(users(await log.page(caseId, { limit: 10 }))).toEqual(['before', 'after']);
  });
});
