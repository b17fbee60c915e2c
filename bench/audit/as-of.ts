// npm run bench:as-of
//
// The case view as it stood (`GET /cases/:id?revision=` and `?asOf=`) for a case of 10,000 events,
// over HTTP against the built server (embedded store, its worker in process), beside two baselines
// measured in the same run on the same store: reading the case's 10,000 events raw from the store
// (`readStream`, in this process: the least any fold from the store must pay), and the live view
// from Redis (`GET /cases/:id`). Target (issue 16): as-of p99 under 100 ms.
//
// The case is written straight into a fresh store before the server starts (identification, the
// pathway to a safe-house placement and a MARAC referral, then risk assessments and notes, all
// synthetic, personal fields in clear as a store written before sealing holds them: the fold is
// what is measured, and a view opens at most four sealed parts whatever the case's length). Each
// request asks for a random revision (or the instant of a random event), so every request folds
// a different prefix. The api keeps the streams it has read (events never change once written)
// and asks the store only for what was appended since, folding from the nearest state it kept
// (every 256 events): after the first request, each as-of reads the stream's tail from the store
// and folds at most 256 events (twice: the view then, and the case now for the access rules).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { SqliteEventStore, type EventData } from '../../libs/event-store/src';
import { ManagedRedisServer } from '../../libs/platform/src/redis/managed-redis-server';
import { currentSchemaVersion } from '../../libs/case-domain/src';
import { call, E2E_SECRET, tokenFor } from '../../test/support/api-client';
import { startServer, stopServer } from '../../test/support/server-process';

const EVENTS = Number(process.env.BENCH_AS_OF_EVENTS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_AS_OF_REQUESTS ?? 300);
const WARM_UP = 20;
const TARGET_P99_MS = 100;

const day = (n: number) => DateTime.now().setZone('Europe/London').minus({ days: n }).toISODate()!;

function caseEvents(caseId: string): EventData[] {
  const actor = { userId: 'bench-caseworker', role: 'caseworker', agency: 'police' };
  const correlationId = randomUUID();
  const event = (type: string, data: Record<string, unknown>): EventData => ({
    type,
    data,
    metadata: {
      actor,
      correlationId,
      causationId: randomUUID(),
      recordedAt: new Date().toISOString(),
      schemaVersion: currentSchemaVersion(type),
    },
  });
  const enteredAt = new Date().toISOString();
  const pathway = [
    event('PotentialVictimIdentified', {
      caseId,
      identifyingAgency: 'police',
      identifiedOn: day(200),
      location: 'Synthetic bench location',
      encounterContext: 'police_operation',
      indicators: ['withheld_documents'],
      exploitationTypes: ['labour'],
      child: false,
      area: 'West',
      personal: { name: 'Synthetic Bench Person' },
      enteredAt,
    }),
    event('CaseAssigned', { caseworkerId: 'bench-caseworker', agency: 'police' }),
    event('ConsentGiven', { givenOn: day(200), language: 'en', interpreterUsed: false }),
    event('NrmReferralSubmitted', {
      submittedOn: day(199),
      firstResponder: 'police',
      competentAuthority: 'single_competent_authority',
      reference: 'NRM-BENCH-1',
      enteredAt,
    }),
    event('ReasonableGroundsDecisionMade', { outcome: 'positive', decidedOn: day(195), enteredAt }),
    event('SafeHousePlacementStarted', {
      placementId: randomUUID(),
      startedOn: day(194),
      provider: 'Synthetic Safe House Provider',
      emergencyOutsideNrm: false,
      personal: { address: 'Flat 1, 1 Bench Street' },
      enteredAt,
    }),
    event('ReferredToMarac', { referredOn: day(190), reason: 'Synthetic reason' }),
  ];
  const levels = ['standard', 'medium', 'high'];
  const rest = Array.from({ length: EVENTS - pathway.length }, (_, index) =>
    index % 4 === 0
      ? event('RiskAssessed', {
          level: levels[index % 3],
          assessedOn: day(189 - Math.floor((index * 180) / EVENTS)),
          rationale: 'Synthetic rationale',
        })
      : event('NoteAdded', { noteId: randomUUID(), personal: { text: `Synthetic bench note ${index}` } }),
  );
  return [...pathway, ...rest];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

async function timed(run: (index: number) => Promise<void>): Promise<Figures> {
  for (let index = 0; index < WARM_UP; index++) await run(index);
  const times: number[] = [];
  for (let index = 0; index < REQUESTS; index++) {
    const started = process.hrtime.bigint();
    await run(index);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1)! };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'marac-bench-as-of-'));
  const redis = await ManagedRedisServer.start({ dataDir: join(dir, 'redis'), appendOnly: false });
  const caseId = randomUUID();
  const file = join(dir, 'events.sqlite');
  const store = new SqliteEventStore(file);
  const events = caseEvents(caseId);
  for (let start = 0; start < events.length; start += 1_000) {
    await store.append(`case-${caseId}`, events.slice(start, start + 1_000), {
      expectedRevision: start === 0 ? 'no_stream' : BigInt(start - 1),
    });
  }
  const recordedAt = (await store.readStream(`case-${caseId}`)).map((event) => event.recordedAt.toISOString());

  const server = await startServer({ DATA_DIR: dir, REDIS_URL: redis.url, JWT_SECRET: E2E_SECRET, LOG_LEVEL: 'warn' });
  try {
    const token = tokenFor('caseworker', 'police');
    const get = async (path: string) => {
      const answer = await call(server.url, 'GET', path, { token });
      if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    // The live read models must have the whole case before the live view is a baseline.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const answer = await call(server.url, 'GET', `/cases/${caseId}`, { token });
      if (answer.status === 200 && answer.body.revision === String(EVENTS - 1)) break;
      if (Date.now() > deadline) throw new Error('the read models did not catch up within 120 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const head = await get(`/cases/${caseId}`);
    const headAsOf = await get(`/cases/${caseId}?revision=${EVENTS - 1}`);
    const { asOf: _asOf, ...headView } = headAsOf;
    if (JSON.stringify(headView) !== JSON.stringify(head))
      throw new Error('as-of at the head differs from the live view');

    const random = (index: number) => (index * 7_919 + 13) % EVENTS;
    const live = await timed(async () => {
      await get(`/cases/${caseId}`);
    });
    const byRevision = await timed(async (index) => {
      await get(`/cases/${caseId}?revision=${random(index)}`);
    });
    const byInstant = await timed(async (index) => {
      await get(`/cases/${caseId}?asOf=${recordedAt[random(index)]!}`);
    });
    const replayPage = await timed(async (index) => {
      await get(`/cases/${caseId}/replay?after=${random(index) % (EVENTS - 100)}&limit=100`);
    });
    // Last: a synchronous read blocks this process's event loop, and an HTTP connection left idle
    // meanwhile may be closed by the server under the client's feet.
    const raw = await timed(async () => {
      await store.readStream(`case-${caseId}`);
    });

    const row = (name: string, figures: Figures) =>
      console.log(
        `${name.padEnd(58)} ${figures.p50.toFixed(1).padStart(7)} ${figures.p99.toFixed(1).padStart(7)} ${figures.max.toFixed(1).padStart(7)}`,
      );
    console.log(
      `as-of — ${new Date().toISOString()}, Node ${process.version}, one case of ${EVENTS} events, ${REQUESTS} requests each (after ${WARM_UP} to warm up), one at a time\n`,
    );
    console.log(`${'ms'.padEnd(58)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}`);
    row(`baseline: readStream of the ${EVENTS} events, in process`, raw);
    row('baseline: GET /cases/:id (live view, Redis)', live);
    row('GET /cases/:id?revision=<random>', byRevision);
    row('GET /cases/:id?asOf=<random event’s recordedAt>', byInstant);
    row('GET /cases/:id/replay?after=<random>&limit=100', replayPage);
    const worst = Math.max(byRevision.p99, byInstant.p99);
    console.log(
      `\nas-of p99 ${worst.toFixed(1)} ms (target < ${TARGET_P99_MS} ms): ${worst < TARGET_P99_MS ? 'met' : 'NOT met'}; ` +
        `${(worst / raw.p99).toFixed(1)}× the raw read's p99`,
    );
  } catch (error) {
    console.error(`the server said:\n${server.output().slice(-4_000)}`);
    throw error;
  } finally {
    await store.close();
    await stopServer(server);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
