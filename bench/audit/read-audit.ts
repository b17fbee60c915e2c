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
 * Environment: BENCH_READERS (64 concurrent readers), BENCH_SECONDS (5 per round), BENCH_CASES (2000).
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
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
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

async function round(redis: Redis, log: CaseReadLog | undefined) {
  let reads = 0;
  const started = performance.now();
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
  // Every record written before the round counts as done: the writes are part of its cost.
  await log?.flushed();
  return reads / ((performance.now() - started) / 1000);
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
    console.log(`reads of ${CASES} case views by ${READERS} concurrent readers, ${SECONDS} s a round, alternating:`);
    const without: number[] = [];
    const withAudit: number[] = [];
    for (let r = 0; r < 2; r++) {
      without.push(await round(redis, undefined));
      withAudit.push(await round(redis, log));
    }
    const best = (xs: number[]) => Math.max(...xs);
    const f = (x: number) => x.toFixed(0);
    console.log(`  baseline: reads unrecorded       ${without.map(f).join(', ')} reads/s`);
    console.log(`  every read recorded               ${withAudit.map(f).join(', ')} reads/s`);
    console.log(
      `  recorded / unrecorded (best rounds): ${((100 * best(withAudit)) / best(without)).toFixed(0)}%  (in process, no HTTP: the harshest measure)`,
    );
    await compareReadsOverHttp(dir, server.url);
  } finally {
    await store.close();
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
