import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@app/case-domain';
import { SqliteEventStore } from '@app/event-store';
import { CaseReadLog, caseReadLogStream } from './case-read-log';

const reader = (userId: string): Actor =>
  ({ userId, role: 'caseworker', agency: { id: 'police' } }) as unknown as Actor;

describe('CaseReadLog', () => {
  let dir: string;
  let store: SqliteEventStore;
  let appends: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-read-log-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    appends = [];
    const append = store.append.bind(store);
    store.append = (stream, events, options) => {
      appends.push(stream);
      return append(stream, events, options);
    };
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the reads of one turn together, one append per case', async () => {
    const log = new CaseReadLog(store);
    for (let n = 0; n < 60; n++) {
      log.record([`case-${n % 3}`, `case-${(n + 1) % 3}`], reader(`user-${n}`), 'GET /cases/{caseId}');
    }
    await log.flushed();
    expect(appends.sort()).toEqual(['read-log-case-0', 'read-log-case-1', 'read-log-case-2']);
    for (const caseId of ['case-0', 'case-1', 'case-2']) {
      expect(await store.readStream(caseReadLogStream(caseId))).toHaveLength(40);
    }
  });

  it('a later turn is a later write, and a page gives who, route and reason in order', async () => {
    const log = new CaseReadLog(store);
    log.record(['c'], reader('first'), 'GET /cases/{caseId}');
    await log.flushed();
    log.record(['c', 'c'], reader('second'), 'GET /cases/{caseId}/history', 'Synthetic reason');
    await log.flushed();
    expect(appends).toEqual(['read-log-c', 'read-log-c']);
    const page = await log.page('c', { limit: 1 });
    expect(page.reads).toEqual([
      expect.objectContaining({
        revision: '0',
        reader: { userId: 'first', role: 'caseworker', agency: 'police' },
        route: 'GET /cases/{caseId}',
        reason: null,
      }),
    ]);
    expect(page.next).toBe('0');
    const rest = await log.page('c', { after: 0 });
    expect(rest).toMatchObject({
      next: null,
      reads: [{ revision: '1', reader: { userId: 'second' }, reason: 'Synthetic reason' }],
    });
  });

  it('keeps a write that failed and tries it again, each case’s reads still in order', async () => {
    const log = new CaseReadLog(store);
    log.retryMs = 20;
    const append = store.append.bind(store);
    let failures = 2;
    store.append = (stream, events, options) =>
      failures-- > 0 ? Promise.reject(new Error('disk full')) : append(stream, events, options);
    log.record(['c'], reader('first'), 'GET /cases/{caseId}');
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.record(['c'], reader('second'), 'GET /cases/{caseId}');
    await log.flushed();
    const written = await store.readStream(caseReadLogStream('c'));
    expect(written.map((event) => (event.data as { reader: { userId: string } }).reader.userId)).toEqual([
      'first',
      'second',
    ]);
  });
});
