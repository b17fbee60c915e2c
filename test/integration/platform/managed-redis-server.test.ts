import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { ManagedRedisServer } from '../../../libs/platform/src/redis/managed-redis-server';
import { isAlive, parentOf, waitFor } from '../../support/server-process';

/**
 * The redis-server the app starts for itself holds case data: only a client given its generated
 * password may use it, the password is in no process's command line, and it never outlives the
 * process that started it.
 */
const CHILD = join(__dirname, '../../support/managed-redis-child.ts');

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('the managed redis-server', () => {
  jest.setTimeout(30_000);
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-managed-redis-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  describe('started in this process', () => {
    let server: ManagedRedisServer;
    const clients: Redis[] = [];
    beforeEach(async () => {
      server = await ManagedRedisServer.start({ dataDir, appendOnly: false });
    });
    afterEach(async () => {
      for (const client of clients.splice(0)) client.disconnect();
      await server.stop();
    });
    const client = (url: string) => {
      const redis = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on('error', () => undefined);
      clients.push(redis);
      return redis;
    };
    const password = () => new URL(server.url).password;

    it('refuses a client without its password and serves one with it', async () => {
      await expect(client(`redis://127.0.0.1:${server.port}`).ping()).rejects.toThrow(/NOAUTH/);
      await expect(client(`redis://:wrong-password@127.0.0.1:${server.port}`).ping()).rejects.toThrow(/WRONGPASS/);
      expect(await client(server.url).ping()).toBe('PONG');
    });

    it('generates a long password of its own for each start', async () => {
      expect(password()).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const second = mkdtempSync(join(tmpdir(), 'marac-managed-redis-'));
      const other = await ManagedRedisServer.start({ dataDir: second, appendOnly: false });
      try {
        expect(new URL(other.url).password).not.toBe(password());
      } finally {
        await other.stop();
        rmSync(second, { recursive: true, force: true });
      }
    });

    it('shows the password in no command line, neither Redis nor the shell watching over it', () => {
      for (const pid of [server.pid, parentOf(server.pid)]) {
        expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(password());
      }
      expect(readFileSync(`/proc/${server.pid}/cmdline`, 'utf8')).toContain('redis-server');
    });

    it('keeps the password only in redis.url, readable by this user alone, where tools find it', () => {
      const holding = readdirSync(dataDir).filter((name) => readFileSync(join(dataDir, name)).includes(password()));
      expect(holding).toEqual(['redis.url']);
      expect(statSync(join(dataDir, 'redis.url')).mode & 0o777).toBe(0o600);
      expect(ManagedRedisServer.runningAt(dataDir)).toBe(server.url);
    });
  });

  it('stops by itself when the process that started it is killed outright', async () => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', CHILD, dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, SWC_NODE_PROJECT: join(__dirname, '../../../tsconfig.json') },
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const [pid, port] = await new Promise<number[]>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`child exited (code ${code}) before Redis was ready`)));
      createInterface({ input: child.stdout }).once('line', (line) => resolve(line.split(' ').slice(1).map(Number)));
    });
    expect(isAlive(pid!)).toBe(true);
    expect(await answers(port!)).toBe(true);

    child.kill('SIGKILL');
    await exited;

    await waitFor(() => !isAlive(pid!), 5_000);
    expect(await answers(port!)).toBe(false);
    expect(ManagedRedisServer.runningAt(dataDir)).toBeUndefined();
  });
});
