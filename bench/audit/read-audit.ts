/**
 * `npm run bench:read-audit`: reads with every read of a case recorded (`CaseReadLog`, issue 16
 * item 5) beside the same reads unrecorded, in the same run. A read here is what the case view's
 * query costs before and after the audit: one case view fetched from Redis and parsed; with the
 * audit, the same plus the record of the read (written in the background, the reads of 10 ms as
 * one event, each round ending when all its records are written; the worker's indexing of them
 * is not on the read's path and not counted), on the embedded store
 * committing on its commit thread as the server runs it. In process, with no
 * HTTP around it (the harshest measure); then the same over HTTP (`read-audit-http.ts`): the app's
 * server beside one with the read log left out, GET /cases/:id at 16 and 64 clients.
 * Target (issue 16): reads with the audit >= 90% of reads without.
 * In process, the two take short turns (which goes first alternating), and the figure is each
 * one's reads over its time in all its turns: one 5 s round of each varied by 15% here.
 * Environment: BENCH_READERS (64 concurrent readers), BENCH_SECONDS (2 per turn), BENCH_TURNS (6 of
 * each), BENCH_CASES (2000); BENCH_ONLY=in-process leaves the HTTP part out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Actor } from '../../libs/case-domain/src';
import { openEventStore } from '../../libs/event-store/src';
import { ManagedRedisServer } from '../../libs/platform/src/redis/managed-redis-server';
import { CaseReadLog } from '../../apps/api/src/queries/case-read-log';
import { compareReadsOverHttp } from './read-audit-http';

const READERS = Number(process.env.BENCH_READERS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const TURNS = Number(process.env.BENCH_TURNS ?? 6);
const CASES = Number(process.env.BENCH_CASES ?? 2_000);

const actor = { userId: 'bench-reader', role: 'caseworker', agency: { id: 'police' } } as unknown as Actor;

/** A case view about the size the projection writes (synthetic). */
const view = (caseId: string) =>
  JSON.stringify({
    caseId,
    stage: 'reasonable_grounds_positive',
    agency: 'police',
    dates: { identifiedOn: '2026-11-01', referredOn: '2026-11-02', reasonableGroundsOn: '2026-11-05' },
    deadlines: Array.from({ length: 6 }, (_, n) => ({ key: `deadline-${n}`, dueAt: '2026-12-20T00:00:00Z' })),
    flags: { child: false, missing: false, inSafeHouse: true, consent: 'given', atMarac: false },
    changes: Array.from({ length: 10 }, (_, n) => ({ at: '2026-11-05T10:00:00Z', what: `change ${n}` })),
  });

/** One turn: reads for SECONDS, then (recorded) until every record is written, which the turn's time includes. */
async function turn(redis: Redis, log: CaseReadLog | undefined): Promise<Turn> {
  let reads = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: READERS }, async (_, reader) => {
      for (let n = reader; performance.now() < until; n += READERS) {
        const caseId = `case-${n % CASES}`;
        const found = await redis.get(`bench:view:${caseId}`);
        log?.record([caseId], actor, 'GET /cases/{caseId}');
        if (found) JSON.parse(found);
        reads++;
      }
    }),
  );
  // Every record written before the turn counts as done: the writes are part of its cost.
  await log?.flushed();
  const used = process.cpuUsage(cpu);
  return { reads, seconds: (performance.now() - started) / 1000, cpuUs: used.user + used.system };
}

interface Turn {
  readonly reads: number;
  readonly seconds: number;
  /** This process's CPU (every thread: the store's commit thread too). */
  readonly cpuUs: number;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'marac-bench-read-audit-'));
  const server = await ManagedRedisServer.start({ dataDir: join(dir, 'redis'), appendOnly: false });
  const redis = new Redis(server.url);
  const store = openEventStore({ kind: 'embedded', file: join(dir, 'events.sqlite'), options: { commitThread: true } });
  try {
    const write = redis.pipeline();
    for (let n = 0; n < CASES; n++) write.set(`bench:view:case-${n}`, view(`case-${n}`));
    await write.exec();
    const log = new CaseReadLog(store, redis, { redisKeyPrefix: 'bench-read-audit' });
    console.log(
      `reads of ${CASES} case views by ${READERS} concurrent readers, ${TURNS} turns of ${SECONDS} s each, which goes first alternating:`,
    );
    const turns = { without: [] as Turn[], withAudit: [] as Turn[] };
    for (let t = 0; t < TURNS; t++) {
      for (const recorded of t % 2 === 0 ? [false, true] : [true, false]) {
        if (recorded) turns.withAudit.push(await turn(redis, log));
        else turns.without.push(await turn(redis, undefined));
      }
    }
    const sum = (list: Turn[], part: keyof Turn) => list.reduce((total, each) => total + each[part], 0);
    const rate = (list: Turn[]) => sum(list, 'reads') / sum(list, 'seconds');
    const cpu = (list: Turn[]) => (sum(list, 'cpuUs') / sum(list, 'reads')).toFixed(1);
    const f = (x: number) => x.toFixed(0);
    console.log(
      `  baseline: reads unrecorded       ${f(rate(turns.without))} reads/s (turns ${turns.without.map((x) => f(x.reads / x.seconds)).join(', ')}); CPU ${cpu(turns.without)} µs a read`,
    );
    console.log(
      `  every read recorded               ${f(rate(turns.withAudit))} reads/s (turns ${turns.withAudit.map((x) => f(x.reads / x.seconds)).join(', ')}); CPU ${cpu(turns.withAudit)} µs a read`,
    );
    const ratio = rate(turns.withAudit) / rate(turns.without);
    console.log(
      `  ${ratio >= 0.9 ? 'MET ' : 'MISSED'} recorded / unrecorded: ${(100 * ratio).toFixed(0)}%  (in process, no HTTP: the harshest measure; target >= 90%)`,
    );
    if (process.env.BENCH_ONLY !== 'in-process') await compareReadsOverHttp(dir, server.url);
  } finally {
    await store.close();
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
