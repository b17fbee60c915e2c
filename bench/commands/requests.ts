// What `bench:commands` sends and how it measures it, shared by its parts (main.ts, sealing.ts).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { call } from '../../test/support/api-client';
import { today } from '../../test/support/dates';
import type { ServerProcess } from '../../test/support/server-process';

export const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
/** Concurrent clients. */
export const LEVELS = [1, 16, 64] as const;

export interface Figures {
  readonly label: string;
  readonly clients: number;
  readonly perSecond: number;
  /** Requests answered, and over how long. */
  readonly requests: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** The server's main thread's CPU time per request, in µs (when its pid was given). */
  readonly mainThreadCpuUs?: number;
}

/**
 * Runs `clients` connections sending `request` for `duration` seconds. Given the server's pid,
 * also what its main thread (the event loop) spent per request: CPU time from /proc, which a
 * machine busy with other work inflates far less than throughput or a profile's wall-clock samples.
 */
export async function measure(
  label: string,
  url: string,
  clients: number,
  request: autocannon.Request,
  duration = DURATION_S,
  pid?: number,
): Promise<Figures> {
  const cpuBefore = pid === undefined ? 0 : mainThreadCpuSecondsOf(pid);
  const result = await autocannon({ url, connections: clients, duration, requests: [request] });
  const mainThreadCpuUs =
    pid === undefined ? undefined : ((mainThreadCpuSecondsOf(pid) - cpuBefore) * 1e6) / result.requests.total;
  const errors = result.errors + result.non2xx + result.timeouts;
  return {
    ...(mainThreadCpuUs === undefined ? {} : { mainThreadCpuUs }),
    label,
    clients,
    perSecond: result.requests.average,
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
  };
}

/**
 * A new case, identified today by default: a past date would have the server raising overdue
 * reminders into these cases while they are measured. `details` adds the rest of what an
 * identification may say about the person (all synthetic).
 */
export function identification(caseId: string, { identifiedOn = today(), details = false } = {}) {
  return {
    caseId,
    identifiedOn,
    location: 'Benchmark',
    encounterContext: 'other',
    indicators: [],
    exploitationTypes: ['unknown'],
    child: false,
    personal: details
      ? {
          name: 'Synthetic Person Example',
          aliases: ['Sam Example', 'S. Testperson'],
          dateOfBirth: '1990-04-12',
          contact: '+44 7700 900123, synthetic.person@example.org',
        }
      : { name: 'Synthetic' },
  };
}

/** Opens `count` cases on the server at `url`; returns their ids. */
export async function openCases(url: string, token: string, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const caseId = randomUUID();
      const created = await call(url, 'POST', '/cases', { token, body: identification(caseId) });
      if (created.status !== 201) throw new Error(`could not create a case: ${created.status}`);
      return caseId;
    }),
  );
}

export const jsonWithToken = (token: string) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${token}`,
});

/** Sets a request up as a note (`text`) on the next of `cases`, round robin. */
export function noteOn(cases: readonly string[], text: string): (request: autocannon.Request) => autocannon.Request {
  let next = 0;
  return (request) => ({
    ...request,
    path: `/cases/${cases[next++ % cases.length]}/notes`,
    body: JSON.stringify({ noteId: randomUUID(), text }),
  });
}

/** CPU seconds used (user + system), from a /proc stat file. */
function cpuSecondsIn(statFile: string): number {
  const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds the process has used, all its threads. */
const cpuSecondsOf = (pid: number) => cpuSecondsIn(`/proc/${pid}/stat`);

/** CPU seconds the process's main thread (its event loop) has used. */
const mainThreadCpuSecondsOf = (pid: number) => cpuSecondsIn(`/proc/${pid}/task/${pid}/stat`);

/**
 * Waits (at most 20 s) until every server uses under 6% of a core: its projections have caught
 * up, so what one measure left behind does not slow the next.
 */
export async function settle(servers: readonly ServerProcess[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const before = servers.map((server) => cpuSecondsOf(server.child.pid!));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const used = servers.map((server, i) => cpuSecondsOf(server.child.pid!) - before[i]!);
    if (used.every((seconds) => seconds <= 0.03)) return;
  }
}
