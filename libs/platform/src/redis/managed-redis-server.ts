import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';

export interface ManagedRedisOptions {
  /** Where Redis keeps its data (append-only file) and its pid file. */
  readonly dataDir: string;
  /** The `redis-server` executable. */
  readonly binary?: string;
  /** Keep an append-only file (the app: yes; throwaway test servers: no). */
  readonly appendOnly?: boolean;
}

const URL_FILE = 'redis.url';
const PASSWORD_FILE = 'managed-redis.conf';

/**
 * Redis runs under this shell, whose standard input is a pipe from this process. When this
 * process ends, however it ends (SIGKILL cannot be caught), the pipe closes, `read` returns and
 * the shell stops Redis with SIGTERM, so it still finishes its append-only file. The shell also
 * ends when Redis does, so a Redis that fails to start is seen at once. Only this process holds
 * the pipe's other end (libuv opens it close-on-exec, so no other child inherits it), Redis does
 * not hold the pipe at all, and the shell ignores a terminal's SIGINT and SIGHUP, so it is there
 * to stop Redis (and to be waited for by `stop()`) until this process has gone.
 */
const LIFELINE = [
  "trap '' HUP INT",
  'exec 3<&0',
  '"$@" 3<&- </dev/null & r=$!',
  '{ read _ <&3; kill -TERM $r 2>/dev/null; } & w=$!',
  'exec 3<&-',
  'wait $r; s=$?',
  'kill $w 2>/dev/null',
  'exit $s',
].join('; ');

/**
 * A `redis-server` this process starts on a free loopback port and that never outlives it: the
 * Redis of `npm start` when no `REDIS_URL` is given, and of the test suite. It runs with
 * `maxmemory-policy noeviction`, because BullMQ silently loses jobs under eviction, and with a
 * password generated for each start, because its keys hold case data and anyone on the machine
 * can reach a loopback port.
 */
export class ManagedRedisServer {
  private constructor(
    private readonly lifeline: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
    /** The URL every client of this Redis uses. It carries the password: print `redactRedisUrl(url)`. */
    readonly url: string,
    /** The pid of `redis-server` itself (the one in its pid file; the lifeline shell is its parent). */
    readonly pid: number,
  ) {}

  static async start(options: ManagedRedisOptions): Promise<ManagedRedisServer> {
    mkdirSync(options.dataDir, { recursive: true });
    const pidFile = join(options.dataDir, 'redis-server.pid');
    await stopLeftover(pidFile);
    let lastError: unknown;
    // A free port can be taken between finding it and Redis binding it: try a few.
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      try {
        return await ManagedRedisServer.launch(options, port, pidFile);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  private static async launch(
    options: ManagedRedisOptions,
    port: number,
    pidFile: string,
  ): Promise<ManagedRedisServer> {
    // The password goes in a file only this user can read, not on the command line, which any
    // user sees in `ps`; the file is gone once Redis has read it.
    const password = randomBytes(32).toString('base64url');
    const passwordFile = resolve(options.dataDir, PASSWORD_FILE);
    writePrivately(passwordFile, `requirepass ${password}\n`);
    const binary = options.binary ?? 'redis-server';
    const args = [
      passwordFile,
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', options.dataDir,
      '--pidfile', pidFile,
      '--daemonize', 'no',
      '--save', '',
      '--appendonly', options.appendOnly === false ? 'no' : 'yes',
      '--maxmemory-policy', 'noeviction',
      '--loglevel', 'warning',
    ]; // prettier-ignore
    const child = spawn('/bin/sh', ['-c', LIFELINE, 'managed-redis', binary, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Writing nothing, this process only closes the pipe: an EPIPE once the shell is gone is expected.
    child.stdin?.on('error', () => undefined);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`Could not run /bin/sh for ${binary}: ${error.message}`)));
      child.once('exit', (code) =>
        reject(
          code === 127
            ? new Error(`Could not run ${binary}: ${output.trim()}`)
            : new Error(`redis-server exited (code ${code}) before it was ready:\n${output}`),
        ),
      );
    });
    const url = `redis://:${password}@127.0.0.1:${port}`;
    let pid: number;
    try {
      await Promise.race([waitUntilReady(url, 15_000), exited]);
      pid = Number(readFileSync(pidFile, 'utf8').trim());
    } catch (error) {
      const started = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
      if (started && isRedisServer(started)) signal(started, 'SIGKILL');
      child.stdin?.end();
      throw error;
    } finally {
      rmSync(passwordFile, { force: true });
    }
    exited.catch(() => undefined);
    // For command-line tools (`npm run projections:rebuild`) to find the Redis of a running server;
    // it holds the password, so only this user may read it.
    writePrivately(join(options.dataDir, URL_FILE), url);
    return new ManagedRedisServer(child, port, options.dataDir, url, pid);
  }

  /** The URL of the managed Redis a running server started for this data directory, if there is one. */
  static runningAt(dataDir: string): string | undefined {
    try {
      const pid = Number(readFileSync(join(dataDir, 'redis-server.pid'), 'utf8').trim());
      process.kill(pid, 0);
      return readFileSync(join(dataDir, URL_FILE), 'utf8').trim();
    } catch {
      return undefined;
    }
  }

  /** Stops Redis (SIGTERM lets it finish writing its append-only file), SIGKILL after a grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    const pid = this.pid;
    if (this.lifeline.exitCode !== null || this.lifeline.signalCode !== null) {
      // The shell was killed on its own: Redis may still run, without anyone to wait for it.
      if (isRedisServer(pid)) await terminate(pid, graceMs);
      return;
    }
    const exited = new Promise<void>((resolve) => this.lifeline.once('exit', () => resolve()));
    // The same cue as this process dying: the shell sends Redis SIGTERM and ends once it has.
    this.lifeline.stdin?.end();
    const timer = setTimeout(() => isRedisServer(pid) && signal(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** A Redis URL fit to print: any user name and password replaced by `***`. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** Writes a file only this user can read or write, replacing any earlier one (whose mode may be wider). */
function writePrivately(file: string, content: string): void {
  rmSync(file, { force: true });
  writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
}

/** A TCP port nobody listens on at this moment, on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`redis-server at ${redactRedisUrl(url)} did not answer: ${(error as Error).message}`);
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A Redis still running for this data directory would keep writing to it: stop it before starting
 * a new one there. The lifeline stops Redis when the server that started it dies; this is the
 * second line of defence, for a Redis whose shell was killed with it, or one started before.
 */
async function stopLeftover(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && isRedisServer(pid)) await terminate(pid, 10_000);
  rmSync(pidFile, { force: true });
}

/** SIGTERM, then SIGKILL if the process has not ended within `graceMs`. */
async function terminate(pid: number, graceMs: number): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRedisServer(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (isRedisServer(pid)) signal(pid, 'SIGKILL');
}

/** Sends a signal to a process that may have ended since it was last seen. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone: what the signal was for.
  }
}

/**
 * Whether `pid` is a running redis-server. A process that has ended but is not yet reaped (a
 * zombie) has an empty command line, so it does not count.
 */
function isRedisServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}
