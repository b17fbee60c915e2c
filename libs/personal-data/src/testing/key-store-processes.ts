import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { KeyStoreConnection } from '../open-key-store';

const CHILD = join(__dirname, 'key-store-child.ts');

/** What one child process printed: the key id each subject's create resolved to, and any errors. */
export interface ChildOutcome {
  readonly keys: Map<string, string>;
  readonly errors: string[];
}

type Child = ChildProcessByStdio<Writable, Readable, null>;

/** Runs `key-store-child.ts` in a process of its own (TypeScript through @swc-node/register). */
function spawnChild(connection: KeyStoreConnection, args: string[]): { child: Child; outcome: ChildOutcome } {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', CHILD, JSON.stringify(connection), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, SWC_NODE_PROJECT: join(__dirname, '../../../../tsconfig.json') },
  });
  const outcome: ChildOutcome = { keys: new Map(), errors: [] };
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [word, subject, ...rest] = line.split(' ');
    if (word === 'key') outcome.keys.set(subject!, rest[0]!);
    if (word === 'error') outcome.errors.push(`${subject}: ${rest.join(' ')}`);
    child.emit(word === 'ready' ? 'ready' : 'progress');
  });
  return { child, outcome };
}

async function allReady(children: Child[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`key store child exited before it was ready (code ${code})`)));
          child.once('ready', resolve);
        }),
    ),
  );
}

/**
 * Starts `processes` children on one store, releases them together, and lets each create keys for
 * the same `count` subjects, one after another: creators in different processes racing.
 */
export async function raceCreatorProcesses(
  connection: KeyStoreConnection,
  prefix: string,
  count: number,
  processes: number,
): Promise<ChildOutcome[]> {
  const started = Array.from({ length: processes }, () => spawnChild(connection, ['race', prefix, String(count)]));
  const children = started.map(({ child }) => child);
  await allReady(children);
  const exited = children.map(
    (child) =>
      new Promise<void>((resolve, reject) =>
        child.once('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`key store child exited with ${code}`)),
        ),
      ),
  );
  for (const child of children) child.stdin.write('go\n');
  await Promise.all(exited);
  return started.map(({ outcome }) => outcome);
}

/**
 * Starts a child creating keys in a loop and kills it with SIGKILL once `count` creates have
 * resolved. Returns what it printed: the keys a caller was told were stored.
 */
export async function killCreatorAfter(
  connection: KeyStoreConnection,
  prefix: string,
  count: number,
): Promise<ChildOutcome> {
  const { child, outcome } = spawnChild(connection, ['loop', prefix]);
  await allReady([child]);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin.write('go\n');
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`key store child exited early (code ${code})`)));
    child.on('progress', () => {
      if (outcome.keys.size + outcome.errors.length < count) return;
      child.kill('SIGKILL');
      resolve();
    });
  });
  await exited;
  return outcome;
}
