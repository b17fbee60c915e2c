import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';

export interface ManagedRedisOptions {
  /** Where Redis keeps its data (append-only file) and its pid file. */
  readonly dataDir: string;
  /** The `redis-server` executable. */
  readonly binary?: string;
  /** Keep an append-only file (the app: yes; throwaway test servers: no). */
  readonly appendOnly?: boolean;
}

/**
 * A `redis-server` this process starts on a free loopback port and stops on exit: the Redis of
 * `npm start` when no `REDIS_URL` is given, and of the test suite. It runs with
 * `maxmemory-policy noeviction`, because BullMQ silently loses jobs under eviction.
 */
const URL_FILE = 'redis.url';

export class ManagedRedisServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dataDir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

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
    const args = [
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
    const child = spawn(options.binary ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(new Error(`Could not run ${options.binary ?? 'redis-server'}: ${error.message}`)),
      );
      child.once('exit', (code) =>
        reject(new Error(`redis-server exited (code ${code}) before it was ready:\n${output}`)),
      );
    });
    const server = new ManagedRedisServer(child, port, options.dataDir);
    try {
      await Promise.race([waitUntilReady(server.url, 15_000), exited]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    exited.catch(() => undefined);
    // For command-line tools (`npm run projections:rebuild`) to find the Redis of a running server.
    writeFileSync(join(options.dataDir, URL_FILE), server.url);
    return server;
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
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
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
      if (Date.now() > deadline) throw new Error(`redis-server at ${url} did not answer: ${(error as Error).message}`);
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A Redis left running by an earlier run that was killed outright (SIGKILL cannot be caught) would
 * still be writing to this data directory: stop it before starting a new one there.
 */
async function stopLeftover(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && isRedisServer(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isRedisServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}
