import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  freePort,
  getJson,
  isAlive,
  parentOf,
  startServer,
  waitFor,
  type ServerProcess,
} from '../support/server-process';
import { TreeHeadSigningKey } from '../../libs/audit/src/tree-heads';
import { KeyEncryptionKey } from '../../libs/personal-data/src/key-encryption-key';

/**
 * The all-in-one server as `npm start` runs it (built, in a process of its own): it serves
 * /health, owns its password-protected redis-server and stops it even when killed outright, and
 * refuses bad configuration by name.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
const managedRedisPid = (server: ServerProcess) => Number(/redis-server at \S+ \(pid (\d+)/.exec(server.output())?.[1]);

describe('the all-in-one server', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  const running: ServerProcess[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-e2e-'));
  });

  afterEach(async () => {
    // Stop servers the way an operator would, so each stops its own redis-server; a server that
    // does not stop in time is killed, and its redis-server with it, so no test leaves one behind.
    for (const server of running.splice(0)) {
      server.child.kill('SIGTERM');
      const stopped = await Promise.race([server.exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!stopped) server.child.kill('SIGKILL');
      await server.exited;
      const redisPid = managedRedisPid(server);
      if (redisPid && isAlive(redisPid)) process.kill(redisPid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string>): Promise<ServerProcess> {
    const server = await startServer(env);
    running.push(server);
    return server;
  }

  it('starts on the embedded defaults with a redis-server of its own, and reports both healthy', async () => {
    const server = await start({ DATA_DIR: dataDir });

    const health = await getJson(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { eventStore: { status: 'up' }, redis: { status: 'up' } },
    });
    expect(server.output()).toContain(`data directory: ${dataDir}`);
    // The banner names the API document, and it is served there.
    expect(server.output()).toContain('OpenAPI document: /docs/openapi.json');
    const document = await getJson(`${server.url}/docs/openapi.json`);
    expect(document.status).toBe(200);
    expect(document.body).toMatchObject({ openapi: expect.stringMatching(/^3\./) });
    expect(server.output()).toContain(`embedded SQLite at ${join(dataDir, 'events.sqlite')}`);
    // It prints where its Redis is, but never the Redis password (which tools find in redis.url).
    expect(server.output()).toMatch(
      /managed redis-server at redis:\/\/\*\*\*@127\.0\.0\.1:\d+ \(pid \d+, generated password/,
    );
    const password = new URL(readFileSync(join(dataDir, 'redis', 'redis.url'), 'utf8')).password;
    expect(password).not.toBe('');
    expect(server.output()).not.toContain(password);
    expect(existsSync(join(dataDir, 'events.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'redis'))).toBe(true);
  });

  it('lets a command-line tool beside it use its Redis, password and all, without printing the password', async () => {
    const env = { DATA_DIR: dataDir, REDIS_KEY_PREFIX: 'beside-the-server' };
    await start(env);
    const password = new URL(readFileSync(join(dataDir, 'redis', 'redis.url'), 'utf8')).password;

    const { stdout } = await promisify(execFile)(process.execPath, ['dist/apps/worker/src/rebuild.js'], {
      cwd: join(__dirname, '..', '..'),
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    expect(stdout).toMatch(/into the running server's redis-server at redis:\/\/\*\*\*@127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/rebuilt in .* readers now use generation/);
    expect(stdout).not.toContain(password);
  });

  it('answers 503 naming Redis when its Redis goes down', async () => {
    const server = await start({ DATA_DIR: dataDir });
    process.kill(managedRedisPid(server), 'SIGKILL');

    const health = await getJson(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      status: 'error',
      error: { redis: { status: 'down' } },
      info: { eventStore: { status: 'up' } },
    });
  });

  it('answers 503 naming the event store when EventStoreDB cannot be reached', async () => {
    const nobodyListens = await freePort();
    const server = await start({
      DATA_DIR: dataDir,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      EVENTSTORE_CONNECTION_STRING: `esdb://127.0.0.1:${nobodyListens}?tls=false`,
      KEY_ENCRYPTION_KEY: KeyEncryptionKey.generateText(),
      AUDIT_SIGNING_KEY: TreeHeadSigningKey.generateText(),
    });
    expect(server.output()).toContain('external Redis');

    const health = await getJson(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ error: { eventStore: { status: 'down' } }, info: { redis: { status: 'up' } } });
  });

  it('stops its redis-server when it is stopped', async () => {
    const server = await start({ DATA_DIR: dataDir });
    const redisPid = managedRedisPid(server);
    expect(isAlive(redisPid)).toBe(true);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(redisPid)).toBe(false);
  });

  it('takes its redis-server with it when it is killed outright', async () => {
    const server = await start({ DATA_DIR: dataDir });
    const redisPid = managedRedisPid(server);
    expect(isAlive(redisPid)).toBe(true);

    server.child.kill('SIGKILL');
    await server.exited;
    await waitFor(() => !isAlive(redisPid), 5_000);
  });

  it('replaces a redis-server left behind when the shell watching over it was killed too', async () => {
    const first = await start({ DATA_DIR: dataDir });
    const leftover = managedRedisPid(first);
    // Both the server and the lifeline shell gone at once (as from an older version, which had
    // none): nothing is left to stop this Redis but the next start.
    process.kill(parentOf(leftover), 'SIGKILL');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(leftover)).toBe(true);

    const second = await start({ DATA_DIR: dataDir });
    await waitFor(() => !isAlive(leftover));
    expect(managedRedisPid(second)).not.toBe(leftover);
    expect((await getJson(`${second.url}/health`)).status).toBe(200);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a port number'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must be a redis:// or rediss:// URL'],
    [{ EVENTSTORE_CONNECTION_STRING: 'http://eventstore:2113' }, 'EVENTSTORE_CONNECTION_STRING must be an esdb://'],
    [{ LOG_LEVEL: 'chatty' }, 'LOG_LEVEL must be one of'],
  ])('refuses to start with %j, naming the variable', async (env, message) => {
    const server = await startServer({ DATA_DIR: dataDir, ...env });
    expect(await server.exited).toEqual({ code: 78, signal: null });
    expect(server.output()).toContain(message);
    expect(existsSync(join(dataDir, 'redis'))).toBe(false);
  });
});
