// The price of sealing personal data (issue 15), for `npm run bench:commands`: the same commands
// against two servers started from bench/commands/server.ts, one sealing personal fields as the
// app does and one appending them in clear. They take short turns (which goes first alternating),
// many per row: five-second measures one after the other varied up to 2x on this shared machine,
// short interleaved turns see the same drift on both sides. Each turn starts once both servers are
// idle (a server's projections catching up after its turn would otherwise slow the other's).
// Target: sealed >= 90% of unsealed for every row. BENCH_SEALING_TURNS (4 per server per row) and
// BENCH_SEALING_TURN_S (2) set the turns.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { E2E_SECRET, tokenFor } from '../../test/support/api-client';
import { startServer, type ServerProcess } from '../../test/support/server-process';
import { identification, jsonWithToken, LEVELS, measure, noteOn, openCases, settle, type Figures } from './requests';

const TURNS = Number(process.env.BENCH_SEALING_TURNS ?? 4);
const TURN_S = Number(process.env.BENCH_SEALING_TURN_S ?? 2);
const NEW_CASE_LEVELS = [1, 64] as const;
const READY = 'is listening on';

// About 200 characters, as a caseworker's note is; synthetic.
const NOTE =
  'Met at the drop-in centre with an interpreter. Says the employer still holds the passport and ' +
  'takes most of the wages for rent and transport. Agreed to speak again on Thursday; safe number noted.';

type Sealing = 'on' | 'off';

async function startVariant(dir: string, redisUrl: string, sealing: Sealing): Promise<ServerProcess> {
  const server = await startServer(
    {
      DATA_DIR: join(dir, sealing === 'on' ? 'data-sealed' : 'data-unsealed'),
      REDIS_URL: redisUrl,
      JWT_SECRET: E2E_SECRET,
      LOG_LEVEL: 'warn',
      BENCH_SEALING: sealing,
      // server.ts is TypeScript, run from source as the benchmarks are.
      NODE_OPTIONS: '--require @swc-node/register',
    },
    'bench/commands/server.ts',
    READY,
  );
  if (!server.output().includes(READY)) throw new Error(`benchmark server did not start:\n${server.output()}`);
  return server;
}

interface Row {
  readonly label: string;
  readonly clients: number;
  readonly off: Figures[];
  readonly on: Figures[];
}

/** Runs the comparison and prints it; true when every row met the target with no errors. */
export async function compareSealing(dir: string, redisUrl: string): Promise<boolean> {
  const servers: Partial<Record<Sealing, ServerProcess>> = {};
  try {
    servers.off = await startVariant(dir, redisUrl, 'off');
    servers.on = await startVariant(dir, redisUrl, 'on');
    const token = tokenFor('caseworker', 'police');
    const headers = jsonWithToken(token);
    const requests = {} as Record<Sealing, { note: autocannon.Request; newCase: autocannon.Request; url: string }>;
    for (const sealing of ['off', 'on'] as const) {
      const url = servers[sealing]!.url;
      const cases = await openCases(url, token, Math.max(...LEVELS));
      requests[sealing] = {
        url,
        note: { method: 'POST', headers, setupRequest: noteOn(cases, NOTE) },
        newCase: {
          method: 'POST',
          headers,
          setupRequest: (request) => ({
            ...request,
            path: '/cases',
            body: JSON.stringify(identification(randomUUID(), { details: true })),
          }),
        },
      };
    }
    const plan: { label: string; clients: number; kind: 'note' | 'newCase' }[] = [
      ...LEVELS.map((clients) => ({
        label: 'POST /cases/:id/notes (200-character note)',
        clients,
        kind: 'note' as const,
      })),
      ...NEW_CASE_LEVELS.map((clients) => ({
        label: 'POST /cases (new person: a new key)',
        clients,
        kind: 'newCase' as const,
      })),
    ];
    const rows: Row[] = [];
    for (const { label, clients, kind } of plan) {
      const row: Row = { label, clients, off: [], on: [] };
      for (let turn = 0; turn < TURNS; turn++) {
        for (const sealing of turn % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
          await settle([servers.off, servers.on]);
          const { url, [kind]: request } = requests[sealing];
          row[sealing].push(await measure(label, url, clients, request, TURN_S));
        }
      }
      rows.push(row);
    }
    return report(rows);
  } finally {
    for (const server of [servers.off, servers.on]) {
      server?.child.kill('SIGTERM');
      await server?.exited;
    }
  }
}

function report(rows: readonly Row[]): boolean {
  const mean = (figures: readonly Figures[]) =>
    figures.reduce((sum, f) => sum + f.requests, 0) / figures.reduce((sum, f) => sum + f.seconds, 0);
  const worstP99 = (figures: readonly Figures[]) => Math.max(...figures.map((f) => f.p99));
  const errors = (figures: readonly Figures[]) => figures.reduce((sum, f) => sum + f.errors, 0);
  console.log(
    `\npersonal data sealed vs in clear (bench/commands/server.ts, both variants): ${TURNS} turns of ${TURN_S} s ` +
      "on each server per row, which goes first alternating; requests/s over all of a server's turns:",
  );
  console.log('clients  unsealed/s  sealed/s  sealed/unsealed  p99 ms unsealed  p99 ms sealed  errors  command');
  let met = true;
  for (const row of rows) {
    const ratio = mean(row.on) / mean(row.off);
    const failed = errors(row.off) + errors(row.on);
    met &&= ratio >= 0.9 && failed === 0;
    console.log(
      `${String(row.clients).padStart(7)} ${Math.round(mean(row.off)).toString().padStart(11)} ${Math.round(mean(row.on)).toString().padStart(9)} ` +
        `${`${(ratio * 100).toFixed(0)}%`.padStart(16)} ${String(worstP99(row.off)).padStart(16)} ${String(worstP99(row.on)).padStart(14)} ` +
        `${String(failed).padStart(7)}  ${row.label}`,
    );
  }
  console.log(`\n${met ? 'MET ' : 'MISSED'} sealed / unsealed >= 90% on every row, no errors`);
  return met;
}
