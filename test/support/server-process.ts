import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { freePort } from '../../libs/platform/src/redis/managed-redis-server';

export { freePort };

const ROOT = join(__dirname, '..', '..');

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

function keyPrefixFor(dataDir: string | undefined): string {
  const name = dataDir ? basename(dataDir) : `e2e-${process.pid}-${Date.now()}`;
  return name.replace(/[^A-Za-z0-9_.-]/g, '-').slice(-40);
}

/**
 * Runs the built all-in-one server (`dist/`, as `npm start` does after building) with the given
 * environment on a free port, and waits until it prints `readyText` (unless it exits first).
 */
export async function startServer(
  env: Record<string, string>,
  entry = 'dist/apps/api/src/main.js',
  readyText = 'is listening on',
): Promise<ServerProcess> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, [join(ROOT, entry)], {
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

export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
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
