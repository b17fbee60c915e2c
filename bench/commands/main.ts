// npm run bench:commands
//
// Commands over HTTP against the built all-in-one server (embedded store, synchronous=FULL), at
// 1, 16 and 64 concurrent clients, beside a trivial endpoint of the same app (GET /health/ping)
// measured in the same run at the same concurrency. Target: at 64 clients, commands reach at
// least half the trivial endpoint's throughput. Each client works on a case of its own (no
// contention), adding notes: a read, a fold, a decide and a durable append per request.
//
// BENCH_SOAK_S=600 npm run bench:commands: instead, a soak: 64 clients for that long, adding notes
// to the 64 cases and opening a new case with one request in 8, each with an Idempotency-Key (as a
// careful client sends), printing the server's resident memory every 10 s and whether it levelled
// off over the last 3 minutes. Memory that keeps growing under a steady load is a leak, whatever
// the throughput.
//
// Then, in the same run, the same notes (and new cases) with personal data sealed and with it left
// in clear, the two servers taking turns: sealed >= 90% of unsealed (issue 15; `sealing.ts`).
// BENCH_ONLY=sealing runs only that part.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { E2E_SECRET, tokenFor } from '../../test/support/api-client';
import { startServer, type ServerProcess } from '../../test/support/server-process';
import { ManagedRedisServer } from '../../libs/platform/src/redis/managed-redis-server';
import {
  DURATION_S,
  LEVELS,
  identification,
  jsonWithToken,
  measure,
  noteOn,
  openCases,
  type Figures,
} from './requests';
import { compareSealing } from './sealing';

const ONLY = process.env.BENCH_ONLY;
const SOAK_S = Number(process.env.BENCH_SOAK_S ?? 0);
const SOAK_CLIENTS = 64;
const SAMPLE_S = 10;
/** The window over which memory must have levelled off, and by how much it may still grow. */
const PLATEAU_WINDOW_S = 180;
const PLATEAU_TOLERANCE = 0.05;

/** The server's memory from /proc, in MB: resident in all, and its anonymous (heap) and file-backed parts. */
function memoryOf(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kB('VmRSS'), anon: kB('RssAnon'), file: kB('RssFile') };
}

/** Runs the soak and says whether the server's RSS levelled off (grew < 5% over the last 3 minutes). */
async function soak(url: string, pid: number, request: autocannon.Request): Promise<boolean> {
  console.log(
    `command soak — ${new Date().toISOString()}, Node ${process.version}, ${SOAK_CLIENTS} clients for ${SOAK_S} s, server ${url} (pid ${pid})\n`,
  );
  console.log('     s   RSS MB  anon MB  file MB  commands  errors');
  const samples: { atS: number; rss: number }[] = [];
  let commands = 0;
  let errors = 0;
  const refusals = new Map<number, number>();
  const print = (atS: number) => {
    const memory = memoryOf(pid);
    samples.push({ atS, rss: memory.rss });
    const mb = (value: number) => value.toFixed(0).padStart(8);
    console.log(
      `${String(atS).padStart(6)} ${mb(memory.rss)} ${mb(memory.anon)} ${mb(memory.file)} ${String(commands).padStart(9)} ${String(errors).padStart(7)}`,
    );
  };
  print(0);
  let elapsed = 0;
  const timer = setInterval(() => print((elapsed += SAMPLE_S)), SAMPLE_S * 1000);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const options = { url, connections: SOAK_CLIENTS, duration: SOAK_S, requests: [request] };
    autocannon(options, (error, done) => (error ? reject(error as Error) : resolve(done))).on(
      'response',
      (_client, status) => {
        if (status >= 200 && status < 300) commands++;
        else refusals.set(status, (refusals.get(status) ?? 0) + 1);
        errors = [...refusals.values()].reduce((sum, n) => sum + n, 0);
      },
    );
  }).finally(() => clearInterval(timer));
  print(SOAK_S);

  const last = samples.at(-1)!;
  const windowStart = samples.find((sample) => sample.atS >= last.atS - PLATEAU_WINDOW_S)!;
  const growth = last.rss - windowStart.rss;
  const levelled = growth <= last.rss * PLATEAU_TOLERANCE;
  const failed = result.errors + result.non2xx + result.timeouts;
  console.log(
    `\n${levelled && failed === 0 ? 'MET ' : 'MISSED'} RSS ${samples[0]!.rss.toFixed(0)} -> ${last.rss.toFixed(0)} MB (max ${Math.max(...samples.map((s) => s.rss)).toFixed(0)}); ` +
      `over the last ${last.atS - windowStart.atS} s it grew ${growth.toFixed(1)} MB (target <= ${PLATEAU_TOLERANCE * 100}% of RSS); ` +
      `${Math.round(result.requests.average)} commands/s, ${failed} errors` +
      ` (${result.timeouts} timeouts, ${result.errors - result.timeouts} connection errors, statuses ${JSON.stringify(Object.fromEntries(refusals))})`,
  );
  return levelled && failed === 0;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'marac-bench-commands-'));
  const redis = await ManagedRedisServer.start({ dataDir: join(dir, 'redis'), appendOnly: false });
  let server: ServerProcess | undefined;
  try {
    if (ONLY === 'sealing') {
      process.exitCode = (await compareSealing(dir, redis.url)) ? 0 : 1;
      return;
    }
    server = await startServer({
      DATA_DIR: join(dir, 'data'),
      REDIS_URL: redis.url,
      JWT_SECRET: E2E_SECRET,
      LOG_LEVEL: 'warn',
    });
    const url = server.url;
    const token = tokenFor('caseworker', 'police');
    const cases = await openCases(url, token, Math.max(...LEVELS));
    const headers = jsonWithToken(token);
    const nextNote = noteOn(cases, 'Benchmark note');
    const addNote: autocannon.Request = { method: 'POST', headers, setupRequest: nextNote };
    const ping: autocannon.Request = { method: 'GET', path: '/health/ping' };

    if (SOAK_S > 0) {
      // Mostly notes on the same 64 cases (their streams, and what a stream remembers, grow); one
      // request in 8 opens a new case, identified today as new cases are (the number of streams
      // and read-model entities grows, not a backlog of overdue reminders).
      // Tokens live 10 minutes: a soak signs a fresh one each minute.
      let signed = { at: Date.now(), token };
      const authorization = () => {
        if (Date.now() - signed.at > 60_000) signed = { at: Date.now(), token: tokenFor('caseworker', 'police') };
        return `Bearer ${signed.token}`;
      };
      let sent = 0;
      const keyedCommand: autocannon.Request = {
        method: 'POST',
        setupRequest: (request) => {
          const command =
            sent++ % 8 === 7
              ? { ...request, path: '/cases', body: JSON.stringify(identification(randomUUID())) }
              : nextNote(request);
          return {
            ...command,
            headers: { ...headers, authorization: authorization(), 'idempotency-key': randomUUID() },
          };
        },
      };
      process.exitCode = (await soak(url, server.child.pid!, keyedCommand)) ? 0 : 1;
      return;
    }

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
    server.child.kill('SIGTERM');
    await server.exited;
    server = undefined;
    const sealingMet = await compareSealing(dir, redis.url);
    process.exitCode = met && sealingMet ? 0 : 1;
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
