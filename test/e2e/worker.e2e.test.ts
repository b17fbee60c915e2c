import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clockEnv, startServer } from '../support/server-process';

/** The worker container's healthcheck, as docker/docker-compose.yml runs it, on the clock the worker runs on. */
function probe(env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['dist/apps/worker/src/health-probe.js'],
      { env: { PATH: process.env.PATH ?? '', ...clockEnv(), ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
    );
  });
}

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

  it('writes a heartbeat its healthcheck reads: healthy while it runs, not once it stopped', async () => {
    const healthFile = join(dataDir, 'run', 'worker-health.json');
    const worker = await startServer(
      { DATA_DIR: dataDir, REDIS_URL: process.env.TEST_REDIS_URL!, WORKER_HEALTH_FILE: healthFile },
      'dist/apps/worker/src/main.js',
      'worker started',
    );
    try {
      let checked = await probe({ WORKER_HEALTH_FILE: healthFile });
      for (let tries = 0; checked.code !== 0 && tries < 50; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        checked = await probe({ WORKER_HEALTH_FILE: healthFile });
      }
      expect(checked).toEqual({
        code: 0,
        output: expect.stringMatching(
          new RegExp(`^worker pid ${worker.child.pid} is up \\(eventStore, redis up, \\d+ s ago\\)\\n$`),
        ) as string,
      });
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await probe({ WORKER_HEALTH_FILE: healthFile })).toEqual({
      code: 1,
      output: 'no heartbeat: the worker is not running, or not yet\n',
    });
    expect(await probe({})).toEqual({
      code: 1,
      output: 'WORKER_HEALTH_FILE is not set: the worker writes no heartbeat to check\n',
    });
  });

  it('refuses to start without REDIS_URL, since a Redis of its own would be invisible to the api', async () => {
    const worker = await startServer({ DATA_DIR: dataDir }, 'dist/apps/worker/src/main.js', 'worker started');
    expect(await worker.exited).toEqual({ code: 1, signal: null });
    expect(worker.output()).toContain('REDIS_URL is required to run the worker on its own');
  });
});
