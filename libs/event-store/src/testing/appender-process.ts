import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EventStoreConnection } from '../open-event-store';

export interface Acknowledged {
  readonly revision: bigint;
  readonly id: string;
}

const CHILD = join(__dirname, 'appender-child.ts');

/** Runs `appender-child.ts` in a process of its own (TypeScript through @swc-node/register). */
export function spawnAppender(
  connection: EventStoreConnection,
  stream: string,
  mode: 'loop' | 'once' | `paced:${number}:${number}` = 'loop',
) {
  return spawn(process.execPath, ['-r', '@swc-node/register', CHILD, JSON.stringify(connection), stream, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SWC_NODE_PROJECT: join(__dirname, '../../../../tsconfig.json') },
  });
}

/**
 * Starts a child process appending to `stream` in a loop, one event per append, and kills it with
 * SIGKILL once it has acknowledged `count` appends. Returns every acknowledgement read from it:
 * the appends a client was told were durable.
 */
export async function killAppenderAfter(
  connection: EventStoreConnection,
  stream: string,
  count: number,
): Promise<Acknowledged[]> {
  const child = spawnAppender(connection, stream);
  const acknowledged: Acknowledged[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`appender exited early (code ${code}, signal ${signal})`)));
    lines.on('line', (line) => {
      const [word, revision, id] = line.split(' ');
      if (word !== 'ack' || !revision || !id) return;
      acknowledged.push({ revision: BigInt(revision), id });
      if (acknowledged.length === count) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await exited;
  lines.close();
  return acknowledged;
}
