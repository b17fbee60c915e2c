import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../../libs/event-store/src';
import { describeEventStoreContract } from '../../../libs/event-store/src/testing/event-store.contract';

describeEventStoreContract('embedded SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'marac-contract-'));
  return {
    connection: { kind: 'embedded', file: join(dir, 'events.sqlite') },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

// As the servers open it (`eventStoreConnectionFor`): commits on a thread of their own.
describeEventStoreContract('embedded SQLite, committing on its own thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'marac-contract-thread-'));
  return {
    connection: { kind: 'embedded', file: join(dir, 'events.sqlite'), options: { commitThread: true } },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('embedded SQLite: reading by stream', () => {
  it('fails, rather than ending early, when the store is closed in the middle of a read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marac-by-stream-'));
    const store = new SqliteEventStore(join(dir, 'events.sqlite'), { pageSize: 2 });
    try {
      for (let n = 0; n < 5; n++) await store.append(`case-${n}`, [{ type: 'Noted', data: { n } }]);
      const upTo = (await store.append('case-5', [{ type: 'Noted', data: { n: 5 } }])).position;
      const seen: string[] = [];
      const read = (async () => {
        for await (const event of store.readAllByStream({ upTo })) {
          seen.push(event.stream);
          if (seen.length === 3) await store.close();
        }
      })();
      await expect(read).rejects.toThrow('The event store is closed');
      // The first page (2 events) and the next one read before the close; nothing after it.
      expect(seen).toEqual(['case-0', 'case-1', 'case-2', 'case-3']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
