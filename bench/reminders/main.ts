/**
 * `npm run bench:reminders`:
 * (1) scheduling 100,000 deadlines' reminders: the scheduler's reconciliation (read every case
 *     from the embedded store, fold, derive the pending reminders, add the jobs, record them per
 *     case) beside a raw BullMQ `addBulk` of the same jobs, into empty queues, in the same run;
 * (2) firing lateness: 1,000 reminders due within the same minute, raised by the real processor
 *     (re-check + append) with the projections and the reminder subscription running in the same
 *     process as `npm start` runs them; lateness = when `ReminderRaised` was recorded minus the reminder's time.
 * Targets (issue 5): scheduling >= 50% of raw addBulk; lateness p99 < 1 s.
 * Environment: BENCH_REMINDERS (100000), BENCH_FIRING (1000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Queue, Worker, type Job } from 'bullmq';
import {
  caseDecider,
  caseStream,
  defaultDeadlinePolicy,
  englandAndWalesCalendar,
  pendingReminders,
  seconds,
  type CaseCommand,
  type CaseEvent,
  type CaseState,
  type DeadlinePolicy,
} from '../../libs/case-domain/src';
import { metadataOf } from '../../libs/command-handling/src';
import { SqliteEventStore } from '../../libs/event-store/src';
import { deadlineRules } from '../../libs/read-models/src/deadline-rules';
import { ManagedRedisServer, redactRedisUrl } from '../../libs/platform/src/redis/managed-redis-server';
import { ProjectionWorker, readModelProjections } from '../../libs/read-models/src';
import {
  bullConnection,
  bullPrefix,
  REMINDER_QUEUE,
  reminderJob,
  ReminderSubscription,
  runReminderJob,
  type ReminderJobData,
} from '../../libs/reminders/src';
import { decidedCaseEvents, police } from '../../test/support/workload';

const REMINDERS = Number(process.env.BENCH_REMINDERS ?? 100_000);
const FIRING = Number(process.env.BENCH_FIRING ?? 1_000);
const calendar = englandAndWalesCalendar();

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A recognised adult's commands: identified, consented, referred, positive RG (dated today). */
function recognised(caseId: string, today: string): CaseCommand[] {
  return [
    {
      type: 'IdentifyPotentialVictim',
      caseId,
      identifiedOn: today,
      location: 'Synthetic',
      encounterContext: 'police_operation',
      indicators: [],
      exploitationTypes: ['labour'],
      child: false,
      personal: { name: 'Synthetic Person B' },
    },
    { type: 'RecordConsentGiven', givenOn: today, language: 'en', interpreterUsed: false },
    { type: 'SubmitNrmReferral', submittedOn: today, competentAuthority: 'single_competent_authority', reference: 'B' },
    { type: 'RecordReasonableGroundsDecision', outcome: 'positive', decidedOn: today },
  ];
}

/** Appends a case's commands as the command handler would (decided by the real decider), in one append. */
const appendCase = (store: SqliteEventStore, caseId: string, commands: CaseCommand[], now: Date) =>
  store.append(caseStream(caseId), decidedCaseEvents(commands, now));

async function scheduling(dir: string, redisUrl: string) {
  const store = new SqliteEventStore(join(dir, 'scheduling.sqlite'));
  const redis = new Redis(redisUrl);
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  // Each recognised adult has 3 reminders at the defaults: recovery period 7 days before and at
  // its end, and the CG decision chased a week after.
  let sample: CaseState = caseDecider.initialState;
  for (const command of recognised(randomUUID(), today)) {
    for (const event of caseDecider.decide(command, sample, { actor: police, now })) {
      sample = caseDecider.evolve(sample, event);
    }
  }
  const perCase = pendingReminders(sample, defaultDeadlinePolicy, calendar, now).length;
  const cases = Math.ceil(REMINDERS / perCase);
  const ids = Array.from({ length: cases }, () => randomUUID());
  let loaded = performance.now();
  for (const caseId of ids) await appendCase(store, caseId, recognised(caseId, today), now);
  console.log(
    `  store: ${cases} cases, ${cases * 4} events, ${cases * perCase} reminders (appended in ${((performance.now() - loaded) / 1000).toFixed(1)} s)`,
  );

  // Raw: the same jobs (ids, data, delays) straight into an empty queue with addBulk.
  const jobs: ReturnType<typeof reminderJob>[] = [];
  for (const caseId of ids) {
    let state = caseDecider.initialState;
    for (const event of await store.readStream(caseStream(caseId))) {
      state = caseDecider.evolve(state, { type: event.type, data: event.data } as CaseEvent);
    }
    for (const reminder of pendingReminders(state, defaultDeadlinePolicy, calendar, now))
      jobs.push(reminderJob(caseId, reminder, now.getTime()));
  }
  const raw = new Queue(REMINDER_QUEUE, { connection: bullConnection(redisUrl), prefix: 'bench-raw:bull' });
  await raw.waitUntilReady();
  loaded = performance.now();
  for (let start = 0; start < jobs.length; start += 1_000) await raw.addBulk(jobs.slice(start, start + 1_000));
  const rawSeconds = (performance.now() - loaded) / 1000;
  const rawCount = await raw.getJobCountByTypes('delayed');
  // The same with four bulks in flight, as the scheduler sends them: the fairer baseline.
  const raw4 = new Queue(REMINDER_QUEUE, { connection: bullConnection(redisUrl), prefix: 'bench-raw4:bull' });
  await raw4.waitUntilReady();
  const chunks: (typeof jobs)[] = [];
  for (let start = 0; start < jobs.length; start += 1_000) chunks.push(jobs.slice(start, start + 1_000));
  loaded = performance.now();
  const lane = async () => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) await raw4.addBulk(chunk);
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  const raw4Seconds = (performance.now() - loaded) / 1000;
  const raw4Count = await raw4.getJobCountByTypes('delayed');

  // Ours: a reconciliation into an empty queue, from the event store.
  const queue = new Queue(REMINDER_QUEUE, { connection: bullConnection(redisUrl), prefix: bullPrefix('bench-ours') });
  await queue.waitUntilReady();
  const scheduler = new ReminderSubscription(store, redis, queue, {
    prefix: 'bench-ours',
    pendingOf: (state, at) => pendingReminders(state, defaultDeadlinePolicy, calendar, at),
  });
  const result = await scheduler.reconcileNow();
  const oursSeconds = result.elapsedMs / 1000;
  const oursCount = await queue.getJobCountByTypes('delayed');
  // A second reconciliation finds everything in place.
  const again = await scheduler.reconcileNow();

  console.log(
    `  raw addBulk:            ${rawCount} jobs in ${rawSeconds.toFixed(2)} s = ${Math.round(rawCount / rawSeconds)} jobs/s`,
  );
  console.log(
    `  scheduler (reconcile):  ${oursCount} jobs in ${oursSeconds.toFixed(2)} s = ${Math.round(oursCount / oursSeconds)} jobs/s` +
      ` (reads ${result.cases} cases from the store, folds, derives, adds, records per case)`,
  );
  console.log(`  scheduler phases (ms): ${JSON.stringify(result.phasesMs)}`);
  console.log(
    `  raw addBulk, 4 in flight: ${raw4Count} jobs in ${raw4Seconds.toFixed(2)} s = ${Math.round(raw4Count / raw4Seconds)} jobs/s`,
  );
  const baseline = Math.min(rawSeconds, raw4Seconds);
  console.log(`  ratio: ${((100 * baseline) / oursSeconds).toFixed(0)}% of the faster raw addBulk (target >= 50%)`);
  console.log(
    `  reconciling again: ${again.added} added, ${again.removed} removed in ${(again.elapsedMs / 1000).toFixed(2)} s`,
  );
  await raw.obliterate({ force: true });
  await raw4.obliterate({ force: true });
  await raw4.close();
  await queue.obliterate({ force: true });
  await raw.close();
  await queue.close();
  redis.disconnect();
  await store.close();
}

async function lateness(dir: string, redisUrl: string) {
  const store = new SqliteEventStore(join(dir, 'firing.sqlite'));
  const redis = new Redis(redisUrl);
  const prefix = 'bench-firing';
  // Recovery period 40 s, reminded 20 s before: two reminders per case, everything else in days.
  const policy: DeadlinePolicy = {
    ...defaultDeadlinePolicy,
    recoveryPeriod: seconds(40),
    recoveryPeriodReminderBefore: seconds(20),
    conclusiveGroundsRepeat: seconds(86_400),
  };
  const queue = new Queue(REMINDER_QUEUE, { connection: bullConnection(redisUrl), prefix: bullPrefix(prefix) });
  const scheduler = new ReminderSubscription(store, redis, queue, {
    prefix,
    pendingOf: (state, at) => pendingReminders(state, policy, calendar, at),
  });
  const projections = new ProjectionWorker(store, redis, readModelProjections(deadlineRules(policy)), {
    root: `${prefix}:rm`,
  });
  projections.start();
  scheduler.start();
  while (!projections.isLeader || (await redis.get(scheduler.keys.lease)) === null) await sleep(10);
  const worker = new Worker(
    REMINDER_QUEUE,
    (job: Job<ReminderJobData>, token?: string) => runReminderJob(job, token, { store, policy, calendar }),
    { connection: bullConnection(redisUrl), prefix: bullPrefix(prefix), concurrency: 16 },
  );

  // The RG decisions arrive over 10 s: reminders fall between 20 and 50 s later, within one minute.
  const cases = Math.ceil(FIRING / 2);
  const started = Date.now();
  for (let n = 0; n < cases; n++) {
    const slot = started + (n * 10_000) / cases;
    if (slot > Date.now()) await sleep(slot - Date.now());
    const now = new Date();
    const caseId = randomUUID();
    await appendCase(store, caseId, recognised(caseId, now.toISOString().slice(0, 10)), now);
  }
  console.log(`  ${cases} positive RG decisions recorded over ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const lates: number[] = [];
  const distinct = new Set<string>();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    lates.length = 0;
    distinct.clear();
    for await (const event of store.readAll({ filter: { on: 'eventType', prefixes: ['ReminderRaised'] } })) {
      const data = event.data as { key: string; reminderAt: string };
      lates.push(Date.parse(metadataOf(event)!.recordedAt!) - Date.parse(data.reminderAt));
      distinct.add(`${event.stream} ${data.key} ${data.reminderAt}`);
    }
    // Past the last reminder's time and a little more, so a duplicate would have shown.
    if (lates.length >= cases * 2 && Date.now() > started + 52_000) break;
    await sleep(500);
  }
  await worker.close();
  await scheduler.stop();
  await projections.stop();
  const sorted = [...lates].sort((a, b) => a - b);
  console.log(
    `  raised ${lates.length} ReminderRaised for ${cases * 2} reminders due within one minute (${distinct.size} distinct: ${lates.length === distinct.size ? 'none twice' : 'DUPLICATES'})`,
  );
  console.log(
    `  lateness (recorded - due): p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms, min ${sorted[0]} ms (target p99 < 1000 ms)`,
  );
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await store.close();
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'marac-bench-reminders-'));
  const redisServer = await ManagedRedisServer.start({ dataDir: join(dir, 'redis'), appendOnly: false });
  try {
    console.log(`bench:reminders (node ${process.version}, redis-server at ${redactRedisUrl(redisServer.url)})`);
    console.log(`(1) scheduling ${REMINDERS} reminders`);
    await scheduling(dir, redisServer.url);
    console.log(`(2) firing lateness for ${FIRING} reminders due within the same minute`);
    await lateness(dir, redisServer.url);
  } finally {
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
