import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { CASES_READ, readsRecordedBy } from '@app/audit/read-log';
import type { Actor } from '@app/case-domain';
import { SqliteEventStore, type EventData } from '@app/event-store';
import { CaseReadLog } from './case-read-log';

const reader = (userId: string): Actor =>
  ({ userId, role: 'caseworker', agency: { id: 'police' } }) as unknown as Actor;

// The writing side; paging through the index (Redis) is test/integration/audit/read-log.test.ts.
describe('CaseReadLog', () => {
  let dir: string;
  let store: SqliteEventStore;
  let appends: { stream: string; events: readonly EventData[] }[];
  const newLog = () => new CaseReadLog(store, {} as Redis, { redisKeyPrefix: 'unused' });
  const userIds = async (log: CaseReadLog) =>
    (await store.readStream(log.stream)).flatMap((event) => readsRecordedBy(event).map((read) => read.reader.userId));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-read-log-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    appends = [];
    const append = store.append.bind(store);
    store.append = (stream, events, options) => {
      appends.push({ stream, events });
      return append(stream, events, options);
    };
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the reads of one turn as one event, to the process’s own stream', async () => {
    const log = newLog();
    for (let n = 0; n < 60; n++) {
      log.record([`case-${n % 3}`, `case-${(n + 1) % 3}`], reader(`user-${n}`), 'GET /cases/{caseId}');
    }
    log.record(['case-0', 'case-0'], reader('agenda-reader'), 'GET /marac/meetings/{meetingId}/agenda');
    await log.flushed();
    expect(appends).toHaveLength(1);
    expect(appends[0]!.stream).toBe(log.stream);
    expect(appends[0]!.events.map((event) => event.type)).toEqual([CASES_READ]);
    const [event] = await store.readStream(log.stream);
    const reads = readsRecordedBy(event!);
    expect(reads).toHaveLength(121); // a case listed twice in one read is one read of it
    expect(reads[0]).toEqual({
      caseId: 'case-0',
      reader: { userId: 'user-0', role: 'caseworker', agency: 'police' },
      route: 'GET /cases/{caseId}',
    });
    expect(newLog().stream).not.toBe(log.stream);
  });

  it('puts at most 1,000 reads in an event, in order, in one append', async () => {
    const log = newLog();
    for (let n = 0; n < 1_200; n++) log.record([`case-${n}`], reader(`user-${n}`), 'GET /cases/{caseId}', 'Synthetic');
    await log.flushed();
    expect(appends).toHaveLength(1);
    const events = await store.readStream(log.stream);
    expect(events.map((event) => readsRecordedBy(event).length)).toEqual([1_000, 200]);
    expect(await userIds(log)).toEqual(Array.from({ length: 1_200 }, (_, n) => `user-${n}`));
  });

  it('a later turn is a later event', async () => {
    const log = newLog();
    log.record(['c'], reader('first'), 'GET /cases/{caseId}');
    await log.flushed();
    log.record(['c'], reader('second'), 'GET /cases/{caseId}/history', 'Synthetic reason');
    await log.flushed();
    expect(appends.map((append) => append.stream)).toEqual([log.stream, log.stream]);
    const events = await store.readStream(log.stream);
    expect(events.map((event) => readsRecordedBy(event))).toEqual([
      [
        {
          caseId: 'c',
          reader: { userId: 'first', role: 'caseworker', agency: 'police' },
          route: 'GET /cases/{caseId}',
        },
      ],
      [
        {
          caseId: 'c',
          reader: { userId: 'second', role: 'caseworker', agency: 'police' },
          reason: 'Synthetic reason',
          route: 'GET /cases/{caseId}/history',
        },
      ],
    ]);
  });

  it('keeps a write that failed and tries it again, the reads still in order', async () => {
    const log = newLog();
    log.retryMs = 20;
    const append = store.append.bind(store);
    let failures = 2;
    store.append = (stream, events, options) =>
      failures-- > 0 ? Promise.reject(new Error('disk full')) : append(stream, events, options);
    log.record(['c'], reader('first'), 'GET /cases/{caseId}');
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.record(['c'], reader('second'), 'GET /cases/{caseId}');
    await log.flushed();
    expect(await userIds(log)).toEqual(['first', 'second']);
  });
});
