import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { freePort } from '../../libs/platform/src/redis/managed-redis-server';
import { assertDocumentedResponse } from './response-validation';

export { freePort };

const ROOT = join(__dirname, '..', '..');

/** The built all-in-one server (`npm start`) and the built worker of the scale-out profile. */
export const API_ENTRY = 'dist/apps/api/src/main.js';
export const WORKER_ENTRY = 'dist/apps/worker/src/main.js';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The variables that give a process a shifted clock (libfaketime's, as `faketime` sets them) and a
 * time zone: a server started with an environment of its own still runs on the clock of the test
 * that derives its fixture dates (`dates.ts`), so the suite can be checked on another date.
 */
export function clockEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && /^(LD_PRELOAD|FAKETIME.*|DONT_FAKE_MONOTONIC|TZ)$/.test(entry[0]),
    ),
  );
}

/**
 * libfaketime's preload library (installed by `scripts/setup.mjs --for test`): `LIBFAKETIME`, or
 * where Debian puts it on any architecture.
 */
export function libfaketime(): string {
  const candidates = [
    process.env.LIBFAKETIME,
    ...(existsSync('/usr/lib') ? readdirSync('/usr/lib') : []).map((dir) =>
      join('/usr/lib', dir, 'faketime', 'libfaketime.so.1'),
    ),
  ];
  const found = candidates.find((path): path is string => path !== undefined && existsSync(path));
  if (!found)
    throw new Error('libfaketime.so.1 not found: run `node scripts/setup.mjs --for test` (it installs faketime)');
  return found;
}

/** The JSON log entries in a server's output (its lines that are JSON objects). */
export function logEntries(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** A server's log as text: each JSON entry's message (as a person reads it), other lines as they are. */
export function logText(output: string): string {
  return output
    .split('\n')
    .map((line) => {
      const [entry] = logEntries(line);
      return entry
        ? `${typeof entry.msg === 'string' ? entry.msg : ''} ${JSON.stringify({ ...entry, msg: undefined })}`
        : line;
    })
    .join('\n');
}

function keyPrefixFor(dataDir: string | undefined): string {
  const name = dataDir ? basename(dataDir) : `e2e-${process.pid}-${Date.now()}`;
  return name.replace(/[^A-Za-z0-9_.-]/g, '-').slice(-40);
}

/**
 * Runs the built all-in-one server (`dist/`, as `npm start` does after building) with the given
 * environment on a free port, and waits until it prints `readyText` (unless it exits first).
 * `nodeArgs` go to node before the entry (`--cpu-prof`, which NODE_OPTIONS may not carry).
 */
export async function startServer(
  env: Record<string, string>,
  entry = API_ENTRY,
  readyText = 'is listening on',
  nodeArgs: readonly string[] = [],
): Promise<ServerProcess> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, entry)], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...clockEnv(),
      LOG_LEVEL: 'log',
      // Servers of different tests share the test Redis: each data directory gets keys of its own.
      REDIS_KEY_PREFIX: keyPrefixFor(env.DATA_DIR),
      ...env,
      PORT: port,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const server: ServerProcess = { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
  const deadline = Date.now() + 30_000;
  while (!output.includes(readyText)) {
    if (child.exitCode !== null || child.signalCode !== null) return server;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}

/** Stops a server (SIGTERM, so it shuts down as it would in production) and waits for it to end. */
export async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  await server.exited;
}

export interface ScaleOut {
  /** The api alone (`WORKER_IN_PROCESS=false`). */
  readonly api: ServerProcess;
  /** The worker: projections and reminders, on the same store and Redis. */
  readonly worker: ServerProcess;
  /** Stops the worker, then the api. */
  stop(): Promise<void>;
}

/**
 * The scale-out profile on one machine: the api process alone and a worker process beside it,
 * sharing the data directory (the embedded store, the key store) and the Redis at `env.REDIS_URL`.
 * The api starts first: it creates what the data directory needs (a development key, the store).
 */
export async function startScaleOut(
  env: Record<string, string>,
  { nodeArgs = () => [] }: { nodeArgs?: (process: 'api' | 'worker') => readonly string[] } = {},
): Promise<ScaleOut> {
  if (!env.REDIS_URL) throw new Error('the scale-out profile needs REDIS_URL: the api and worker must share it');
  const api = await startServer({ ...env, WORKER_IN_PROCESS: 'false' }, API_ENTRY, 'is listening on', nodeArgs('api'));
  if (!api.output().includes('is listening on')) throw new Error(`api did not start:\n${api.output()}`);
  let worker: ServerProcess;
  try {
    // The worker says it started at the `log` level.
    worker = await startServer({ ...env, LOG_LEVEL: 'log' }, WORKER_ENTRY, 'worker started', nodeArgs('worker'));
    if (!worker.output().includes('worker started')) throw new Error(`worker did not start:\n${worker.output()}`);
  } catch (error) {
    await stopServer(api);
    throw error;
  }
  return {
    api,
    worker,
    stop: async () => {
      await stopServer(worker);
      await stopServer(api);
    },
  };
}

/** A GET of a JSON answer, checked against the server's OpenAPI document as `call` checks its answers. */
export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  const answer = { status: response.status, body: await response.json() };
  const { origin, pathname, search } = new URL(url);
  await assertDocumentedResponse(origin, 'GET', `${pathname}${search}`, {
    ...answer,
    contentType: response.headers.get('content-type'),
  });
  return answer;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The parent of a process (the managed redis-server's is the shell that stops it when the app dies). */
export function parentOf(pid: number): number {
  // /proc/<pid>/stat is "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
