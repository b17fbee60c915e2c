// npm run bench:commands
//
// Commands over HTTP against the built all-in-one server (embedded store, synchronous=FULL), at
// 1, 16 and 64 concurrent clients, beside a trivial endpoint of the same app (GET /health/ping)
// measured in the same run at the same concurrency. Target: at 64 clients, commands reach at
// least half the trivial endpoint's throughput. Each client works on a case of its own (no
// contention), adding notes: a read, a fold, a decide and a durable append per request.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { call, E2E_SECRET, tokenFor } from '../../test/support/api-client';
import { today } from '../../test/support/dates';
import { startServer, type ServerProcess } from '../../test/support/server-process';
import { ManagedRedisServer } from '../../libs/platform/src/redis/managed-redis-server';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const LEVELS = [1, 16, 64];

interface Figures {
  readonly label: string;
  readonly clients: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

async function measure(label: string, url: string, clients: number, request: autocannon.Request): Promise<Figures> {
  const result = await autocannon({ url, connections: clients, duration: DURATION_S, requests: [request] });
  const errors = result.errors + result.non2xx + result.timeouts;
  return {
    label,
    clients,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'marac-bench-commands-'));
  const redis = await ManagedRedisServer.start({ dataDir: join(dir, 'redis'), appendOnly: false });
  let server: ServerProcess | undefined;
  try {
    server = await startServer({
      DATA_DIR: join(dir, 'data'),
      REDIS_URL: redis.url,
      JWT_SECRET: E2E_SECRET,
      LOG_LEVEL: 'warn',
    });
    const url = server.url;
    const token = tokenFor('caseworker', 'police');
    const cases = await Promise.all(
      Array.from({ length: Math.max(...LEVELS) }, async () => {
        const caseId = randomUUID();
        const created = await call(url, 'POST', '/cases', {
          token,
          body: {
            caseId,
            // Today: a past date would have the server raising overdue reminders into these cases
            // while the notes are measured.
            identifiedOn: today(),
            location: 'Benchmark',
            encounterContext: 'other',
            indicators: [],
            exploitationTypes: ['unknown'],
            child: false,
            personal: { name: 'Synthetic' },
          },
        });
        if (created.status !== 201) throw new Error(`could not create a case: ${created.status}`);
        return caseId;
      }),
    );
    let next = 0;
    const addNote: autocannon.Request = {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      setupRequest: (request) => ({
        ...request,
        path: `/cases/${cases[next++ % cases.length]}/notes`,
        body: JSON.stringify({ noteId: randomUUID(), text: 'Benchmark note' }),
      }),
    };
    const ping: autocannon.Request = { method: 'GET', path: '/health/ping' };

    console.log(
      `command benchmark — ${new Date().toISOString()}, Node ${process.version}, ${DURATION_S} s per level, server ${url}\n`,
    );
    const rows: Figures[] = [];
    for (const clients of LEVELS) {
      rows.push(await measure('GET /health/ping (trivial)', url, clients, ping));
      rows.push(await measure('POST /cases/:id/notes (command)', url, clients, addNote));
    }
    console.log('clients  requests/s   p50 ms   p99 ms  errors  endpoint');
    for (const row of rows) {
      console.log(
        `${String(row.clients).padStart(7)} ${Math.round(row.perSecond).toString().padStart(11)} ${String(row.p50).padStart(8)} ${String(row.p99).padStart(8)} ${String(row.errors).padStart(7)}  ${row.label}`,
      );
    }
    const at64 = rows.filter((row) => row.clients === 64);
    const ratio = at64[1]!.perSecond / at64[0]!.perSecond;
    const met = ratio >= 0.5 && rows.every((row) => row.errors === 0);
    console.log(
      `\n${met ? 'MET ' : 'MISSED'} commands / trivial endpoint at 64 clients = ${(ratio * 100).toFixed(0)}% (target >= 50%, no errors)`,
    );
    process.exitCode = met ? 0 : 1;
  } finally {
    // Whatever failed, nothing this benchmark started outlives it.
    server?.child.kill('SIGTERM');
    await server?.exited;
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
