import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../../../libs/event-store/src/testing/event-store.contract';

describeEventStoreContract('embedded SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'marac-contract-'));
  return {
    connection: { kind: 'embedded', file: join(dir, 'events.sqlite') },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
