// npm run bench:commands
//
// Commands over HTTP against the built server (embedded store, synchronous=FULL), at 1, 16 and 64
// concurrent clients, beside a trivial endpoint of the same app (GET /health/ping) measured in the
// same run at the same concurrency, in both deployment profiles (`profiles.ts`): the all-in-one
// server of `npm start` (projections and reminders in the api process) and the scale-out profile
// (the api alone, and a worker process beside it on the same store and Redis). Target, in each
// profile: at 64 clients, commands reach at least half that profile's trivial endpoint throughput.
// Each client works on a case of its own (no contention), adding notes: a read, a fold, a decide
// and a durable append per request. Every measure starts once the servers are idle (projections
// caught up), so what one left behind does not slow the next. Beside each rate, the CPU time the
// api's main thread spent per request (from /proc): on a machine busy with other work the rates
// swing widely, that much less, and the target needs commands to cost at most twice the trivial.
//
// BENCH_ONLY=all-in-one or BENCH_ONLY=scale-out runs only that profile; BENCH_ONLY=profiles both,
// without the sealing comparison below.
//
// BENCH_ONLY=cpu-profile: where the api's CPU goes. Each profile is started with `node --cpu-prof`
// (the worker too), 64 clients add notes for BENCH_DURATION_S, and the profiles' samples from
// exactly that window are summed by area and function (`cpu-profile.ts`). The .cpuprofile files are
// kept in BENCH_CPU_PROF_DIR if set (open them in Chrome DevTools).
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
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { E2E_SECRET, tokenFor } from '../../test/support/api-client';
import { startServer, stopServer, type ServerProcess } from '../../test/support/server-process';
import { ManagedRedisServer } from '../../libs/platform/src/redis/managed-redis-server';
import {
  DURATION_S,
  LEVELS,
  identification,
  jsonWithToken,
  measure,
  noteOn,
  openCases,
  settle,
  type Figures,
} from './requests';
import { printBreakdown, summarise } from './cpu-profile';
import { PROFILES, startProfile, type Profile } from './profiles';
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

interface ProfileFigures {
  readonly profile: Profile;
  readonly levels: readonly { readonly trivial: Figures; readonly commands: Figures }[];
}

/** Trivial endpoint and commands at each level, on a freshly started profile. */
async function measureProfile(profile: Profile, dir: string, redisUrl: string): Promise<ProfileFigures> {
  const running = await startProfile(profile, dir, redisUrl);
  try {
    const processes = [running.api, ...(running.worker ? [running.worker] : [])];
    const token = tokenFor('caseworker', 'police');
    const cases = await openCases(running.url, token, Math.max(...LEVELS));
    const addNote: autocannon.Request = {
      method: 'POST',
      headers: jsonWithToken(token),
      setupRequest: noteOn(cases, 'Benchmark note'),
    };
    const ping: autocannon.Request = { method: 'GET', path: '/health/ping' };
    const levels: ProfileFigures['levels'][number][] = [];
    for (const clients of LEVELS) {
      await settle(processes);
      const pid = running.api.child.pid;
      const trivial = await measure('GET /health/ping (trivial)', running.url, clients, ping, undefined, pid);
      await settle(processes);
      const commands = await measure('POST /cases/:id/notes (command)', running.url, clients, addNote, undefined, pid);
      levels.push({ trivial, commands });
    }
    return { profile, levels };
  } finally {
    await running.stop();
  }
}

/** Prints every profile's figures; true when each met the target at 64 clients with no errors. */
function report(results: readonly ProfileFigures[]): boolean {
  console.log(
    'profile      clients  trivial/s  commands/s  commands/trivial  trivial p99 ms  commands p99 ms  errors  api main-thread CPU µs/request: trivial  commands  trivial/commands',
  );
  const cpu = (figures: Figures) => (figures.mainThreadCpuUs ?? NaN).toFixed(0);
  for (const { profile, levels } of results) {
    for (const { trivial, commands } of levels) {
      console.log(
        `${profile.padEnd(11)} ${String(trivial.clients).padStart(8)} ${Math.round(trivial.perSecond).toString().padStart(10)} ` +
          `${Math.round(commands.perSecond).toString().padStart(11)} ${`${((commands.perSecond / trivial.perSecond) * 100).toFixed(0)}%`.padStart(17)} ` +
          `${String(trivial.p99).padStart(15)} ${String(commands.p99).padStart(16)} ${String(trivial.errors + commands.errors).padStart(7)} ` +
          `${cpu(trivial).padStart(40)} ${cpu(commands).padStart(9)} ` +
          `${`${(((trivial.mainThreadCpuUs ?? NaN) / (commands.mainThreadCpuUs ?? NaN)) * 100).toFixed(0)}%`.padStart(17)}`,
      );
    }
  }
  console.log('');
  let met = true;
  for (const { profile, levels } of results) {
    const at64 = levels.find((level) => level.commands.clients === 64)!;
    const ratio = at64.commands.perSecond / at64.trivial.perSecond;
    const errors = levels.reduce((sum, level) => sum + level.trivial.errors + level.commands.errors, 0);
    const profileMet = ratio >= 0.5 && errors === 0;
    met &&= profileMet;
    console.log(
      `${profileMet ? 'MET   ' : 'MISSED'} ${profile}: commands / trivial endpoint at 64 clients = ${(ratio * 100).toFixed(0)}% ` +
        `(${Math.round(at64.commands.perSecond)} / ${Math.round(at64.trivial.perSecond)} per s; target >= 50%, no errors; ${errors} errors)`,
    );
  }
  return met;
}

interface Window {
  readonly label: string;
  readonly fromUs: number;
  readonly toUs: number;
  readonly figures: Figures;
}

/** Measures `request` and says when (on the monotonic clock the profiles use) it ran. */
async function measuredWindow(
  label: string,
  url: string,
  clients: number,
  request: autocannon.Request,
): Promise<Window> {
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const figures = await measure(label, url, clients, request);
  return { label, fromUs, toUs: Number(process.hrtime.bigint() / 1000n), figures };
}

/**
 * Where each profile's api (and worker) spends its CPU under 64 clients adding notes, beside what
 * the trivial endpoint costs the api at the same concurrency (the budget: a command may cost at
 * most twice that for commands to reach half its throughput).
 */
async function cpuProfile(dir: string, redisUrl: string): Promise<void> {
  const profilesDir = process.env.BENCH_CPU_PROF_DIR ?? join(dir, 'cpu-profiles');
  mkdirSync(profilesDir, { recursive: true });
  const clients = 64;
  for (const profile of PROFILES) {
    const file = (role: string) => join(profilesDir, `${profile}-${role}.cpuprofile`);
    const running = await startProfile(profile, dir, redisUrl, (role) => [
      '--cpu-prof',
      `--cpu-prof-dir=${profilesDir}`,
      `--cpu-prof-name=${profile}-${role}.cpuprofile`,
    ]);
    let windows: { commands: Window; trivial: Window };
    try {
      const processes = [running.api, ...(running.worker ? [running.worker] : [])];
      const token = tokenFor('caseworker', 'police');
      const cases = await openCases(running.url, token, clients);
      const addNote: autocannon.Request = {
        method: 'POST',
        headers: jsonWithToken(token),
        setupRequest: noteOn(cases, 'Benchmark note'),
      };
      const ping: autocannon.Request = { method: 'GET', path: '/health/ping' };
      // Warm up (the JIT, the caches), then measure each from idle.
      await measure('warm-up', running.url, clients, addNote, 2);
      await settle(processes);
      const commands = await measuredWindow('POST /cases/:id/notes', running.url, clients, addNote);
      await settle(processes);
      const trivial = await measuredWindow('GET /health/ping', running.url, clients, ping);
      windows = { commands, trivial };
    } finally {
      await running.stop();
    }
    const { commands, trivial } = windows;
    const line = ({ label, figures }: Window) =>
      `${label}: ${Math.round(figures.perSecond)}/s, p99 ${figures.p99} ms, ${figures.errors} errors`;
    console.log(
      `\n== ${profile}, ${clients} clients, ${commands.figures.seconds} s each: ${line(commands)}; ${line(trivial)}; ` +
        `ratio ${((commands.figures.perSecond / trivial.figures.perSecond) * 100).toFixed(0)}%`,
    );
    console.log(
      `windows (µs, the profiles' clock, for cpu-profile.ts <file> <from> <to>): ` +
        `commands ${commands.fromUs} ${commands.toUs}; trivial ${trivial.fromUs} ${trivial.toUs}`,
    );
    const per = commands.figures.requests;
    printBreakdown(`${profile} api, commands`, summarise(file('api'), commands.fromUs, commands.toUs), per);
    printBreakdown(
      `${profile} api, trivial endpoint`,
      summarise(file('api'), trivial.fromUs, trivial.toUs, 10),
      trivial.figures.requests,
      'requests',
    );
    if (running.worker)
      printBreakdown(`${profile} worker, commands`, summarise(file('worker'), commands.fromUs, commands.toUs, 10), per);
  }
  if (process.env.BENCH_CPU_PROF_DIR) console.log(`\n.cpuprofile files in ${profilesDir}`);
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
    if (ONLY === 'cpu-profile') {
      await cpuProfile(dir, redis.url);
      return;
    }
    if (SOAK_S > 0) {
      server = await startServer({
        DATA_DIR: join(dir, 'data'),
        REDIS_URL: redis.url,
        JWT_SECRET: E2E_SECRET,
        LOG_LEVEL: 'warn',
      });
      const url = server.url;
      const token = tokenFor('caseworker', 'police');
      const cases = await openCases(url, token, SOAK_CLIENTS);
      const headers = jsonWithToken(token);
      const nextNote = noteOn(cases, 'Benchmark note');
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

    const profiles = PROFILES.filter((profile) => ONLY === undefined || ONLY === 'profiles' || ONLY === profile);
    if (profiles.length === 0)
      throw new Error(`BENCH_ONLY=${ONLY} is not one of sealing, profiles, cpu-profile, ${PROFILES.join(', ')}`);
    console.log(
      `command benchmark — ${new Date().toISOString()}, Node ${process.version}, ${DURATION_S} s per measure, ` +
        `profiles: ${profiles.join(', ')}\n`,
    );
    const results: ProfileFigures[] = [];
    for (const profile of profiles) results.push(await measureProfile(profile, dir, redis.url));
    const met = report(results);
    const sealingMet = ONLY === undefined ? await compareSealing(dir, redis.url) : true;
    process.exitCode = met && sealingMet ? 0 : 1;
  } finally {
    // Whatever failed, nothing this benchmark started outlives it.
    await stopServer(server);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
