import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKeyStoreContract } from '../../../libs/personal-data/src/testing/key-store.contract';

describeKeyStoreContract('embedded SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'marac-key-store-'));
  const file = join(dir, 'keys.sqlite');
  return {
    connection: { kind: 'embedded', file },
    // The database file, its write-ahead log and the log's shared-memory index.
    files: async () => [file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
