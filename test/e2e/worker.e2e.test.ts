import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../support/server-process';

/** The worker on its own, as the scale-out profile runs it beside the api. */
describe('the standalone worker', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'marac-worker-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts with the shared event store and Redis, both reported up', async () => {
    const worker = await startServer(
      { DATA_DIR: dataDir, REDIS_URL: process.env.TEST_REDIS_URL! },
      'dist/apps/worker/src/main.js',
      'worker started',
    );
    try {
      expect(worker.output()).toMatch(
        /"eventStore":\{"adapter":"embedded SQLite event store at [^"]+","status":"up"\}/,
      );
      expect(worker.output()).toContain('"redis":{"status":"up"}');
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });

  it('refuses to start without REDIS_URL, since a Redis of its own would be invisible to the api', async () => {
    const worker = await startServer({ DATA_DIR: dataDir }, 'dist/apps/worker/src/main.js', 'worker started');
    expect(await worker.exited).toEqual({ code: 1, signal: null });
    expect(worker.output()).toContain('REDIS_URL is required to run the worker on its own');
  });
});
