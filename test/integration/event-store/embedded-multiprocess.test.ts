import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteEventStore, type RecordedEvent } from '../../../libs/event-store/src';
import { spawnAppender } from '../../../libs/event-store/src/testing/appender-process';
import { verifyStore } from '../../../apps/worker/src/audit/verify-store';

/** The api and the worker open the same SQLite file in the scale-out profile. */
describe('embedded event store shared by several processes', () => {
  jest.setTimeout(60_000);
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-multiprocess-'));
    file = join(dir, 'events.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(stream: string, mode: `paced:${number}:${number}`): Promise<number> {
    const child = spawnAppender({ kind: 'embedded', file }, stream, mode);
    let acks = 0;
    createInterface({ input: child.stdout }).on('line', () => acks++);
    return new Promise((resolve, reject) =>
      child.once('exit', (code) => (code === 0 ? resolve(acks) : reject(new Error(`appender exited with ${code}`)))),
    );
  }

  it('delivers to a live subscriber what another process appends', async () => {
    const store = new SqliteEventStore(file);
    const subscription = store.subscribeToAll({ fromPosition: 'end' });
    const received: RecordedEvent[] = [];
    const consumed = (async () => {
      for await (const event of subscription) {
        received.push(event);
        if (received.length === 20) break;
      }
    })();

    await run('case-from-elsewhere', 'paced:10:20');
    await consumed;

    expect(received.map((e) => [e.stream, e.revision])).toEqual(
      Array.from({ length: 20 }, (_, i) => ['case-from-elsewhere', BigInt(i)]),
    );
    await store.close();
  });

  it('serialises writers in different processes without losing or reordering an event', async () => {
    const store = new SqliteEventStore(file);
    const local = (async () => {
      for (let i = 0; i < 100; i++) await store.append('case-here', [{ type: 'Tick', data: { i } }]);
    })();
    const acks = await Promise.all([run('case-a', 'paced:0:100'), run('case-b', 'paced:0:100'), local]);
    expect(acks.slice(0, 2)).toEqual([100, 100]);

    const all: RecordedEvent[] = [];
    for await (const event of store.readAll()) all.push(event);
    expect(all).toHaveLength(300);
    for (let i = 1; i < all.length; i++) expect(all[i]!.position.commit).toBeGreaterThan(all[i - 1]!.position.commit);
    for (const stream of ['case-a', 'case-b', 'case-here']) {
      const revisions = all.filter((e) => e.stream === stream).map((e) => e.revision);
      expect(revisions).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)));
    }
    await store.close();
  });

  it('sees a head another connection wrote after this one remembered it: right revision, conflict on a stale one, one chain', async () => {
    // Two stores on one file, turn by turn: each remembers the heads it wrote, and must not trust
    // them once the other has committed (it would fork the chain or reuse a revision).
    const here = new SqliteEventStore(file);
    const there = new SqliteEventStore(file);
    const tick = (i: number) => [{ type: 'Tick', data: { i } }];
    await here.append('case-turns', tick(0));
    await here.append('case-other', tick(0));
    expect((await there.append('case-turns', tick(1), { expectedRevision: 0n })).nextExpectedRevision).toBe(1n);
    await expect(here.append('case-turns', tick(2), { expectedRevision: 0n })).rejects.toThrow();
    expect((await here.append('case-turns', tick(2), { expectedRevision: 1n })).nextExpectedRevision).toBe(2n);
    expect((await here.append('case-other', tick(1), { expectedRevision: 0n })).nextExpectedRevision).toBe(1n);
    expect((await there.append('case-turns', tick(3))).nextExpectedRevision).toBe(3n);
    expect((await here.append('case-turns', tick(4))).nextExpectedRevision).toBe(4n);
    expect(await verifyStore(here)).toEqual({ ok: true, events: 7, streams: 2 });
    await there.close();
    await here.close();
  });

  it('keeps one hash chain when processes append to the same stream at once', async () => {
    const store = new SqliteEventStore(file, { commitThread: true });
    const local = (async () => {
      for (let i = 0; i < 100; i++) await store.append('case-shared', [{ type: 'Tick', data: { i } }]);
    })();
    const acks = await Promise.all([run('case-shared', 'paced:0:100'), run('case-shared', 'paced:0:100'), local]);
    expect(acks.slice(0, 2)).toEqual([100, 100]);
    // Each writer's last known head went stale over and over: every append still chained from the true one.
    expect(await verifyStore(store)).toEqual({ ok: true, events: 300, streams: 1 });
    await store.close();
  });
});
