import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Queue, Worker, type Job } from 'bullmq';
import {
  caseDecider,
  caseStream,
  deadlinePolicyInSeconds,
  englandAndWalesCalendar,
  pendingReminders,
  seconds,
  type CaseCommand,
  type DeadlinePolicy,
} from '../../../libs/case-domain/src';
import { handleCommand, metadataOf } from '../../../libs/command-handling/src';
import {
  comparePositions,
  parsePosition,
  SqliteEventStore,
  type EventStore,
  type Position,
  type RecordedEvent,
} from '../../../libs/event-store/src';
import { deadlineRules } from '../../../libs/read-models/src/deadline-rules';
import { ProjectionWorker, ReadModels, readModelProjections } from '../../../libs/read-models/src';
import {
  bullConnection,
  bullPrefix,
  processReminder,
  REMINDER_QUEUE,
  reminderJobId,
  FencedCheckpoint,
  FencedOut,
  reminderKeys,
  ReminderSubscription,
  runReminderJob,
  SCHEDULED_STATES,
  type ReminderJobData,
} from '../../../libs/reminders/src';
import { daysAgo } from '../../support/dates';
import { appendWorkload, caseIdOf, police } from '../../support/workload';

/**
 * Lengths in seconds for what these tests watch; everything else a day = an hour, so it stays
 * out of the way. A positive RG: reminders 2 s and 4 s after it; follow-ups 1.5, 3, 4.5 s after exit.
 */
const policy: DeadlinePolicy = {
  ...deadlinePolicyInSeconds(3_600),
  recoveryPeriod: seconds(4),
  recoveryPeriodReminderBefore: seconds(2),
  followUps: [seconds(1.5), seconds(3), seconds(4.5)],
};
const calendar = englandAndWalesCalendar();
/** How late a reminder may be raised in these tests (the benchmark measures lateness properly). */
const SLACK_MS = 1_500;

/** The embedded store, real Redis, the projections, the reminder subscription beside them, and a BullMQ worker. */
class Harness {
  readonly queue: Queue;
  subscription!: ReminderSubscription;
  private projections!: ProjectionWorker;
  private worker: Worker | undefined;

  constructor(
    readonly store: SqliteEventStore,
    readonly redis: Redis,
    readonly prefix: string,
  ) {
    this.queue = new Queue(REMINDER_QUEUE, {
      connection: bullConnection(process.env.TEST_REDIS_URL!),
      prefix: bullPrefix(prefix),
    });
  }

  get readModels(): ReadModels {
    return new ReadModels(this.redis, `${this.prefix}:rm`);
  }

  /** A subscription as a worker, or `npm run reminders:reconcile`, makes one. */
  newSubscription(): ReminderSubscription {
    return new ReminderSubscription(this.store, this.redis, this.queue, {
      prefix: this.prefix,
      pendingOf: (state, now) => pendingReminders(state, policy, calendar, now),
      leaseMs: 600,
    });
  }

  start(): void {
    this.subscription = this.newSubscription();
    this.projections = new ProjectionWorker(this.store, this.redis, readModelProjections(deadlineRules(policy)), {
      root: `${this.prefix}:rm`,
      leaseMs: 600,
    });
    this.projections.start();
    this.subscription.start();
    this.worker = new Worker(
      REMINDER_QUEUE,
      (job: Job<ReminderJobData>, token?: string) =>
        runReminderJob(job, token, { store: this.store, policy, calendar }),
      { connection: bullConnection(process.env.TEST_REDIS_URL!), prefix: bullPrefix(this.prefix), concurrency: 8 },
    );
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.subscription.stop();
    await this.projections.stop();
  }

  /** Job ids BullMQ holds (waiting to run) for a case. */
  async jobsOf(caseId: string): Promise<string[]> {
    const ids = await this.queue.getRanges(SCHEDULED_STATES, 0, -1);
    return ids.filter((id) => id.startsWith(`reminder-${caseId}-`)).sort();
  }
}

describe('reminders as BullMQ jobs (embedded store, real Redis, lengths in seconds)', () => {
  jest.setTimeout(60_000);
  let dir: string;
  let store: SqliteEventStore;
  let redis: Redis;
  let prefix: string;
  let harness: Harness;
  const yesterday = daysAgo(1);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'marac-reminders-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    redis = new Redis(process.env.TEST_REDIS_URL!);
    prefix = `test-${randomUUID()}`;
    harness = new Harness(store, redis, prefix);
    harness.start();
  });
  afterEach(async () => {
    await harness.stop();
    await harness.queue.close();
    await store.close();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  async function onCase(caseId: string, command: CaseCommand) {
    return handleCommand(store, caseDecider, caseStream(caseId), command, {
      actor: police,
      correlationId: randomUUID(),
      now: () => new Date(),
    });
  }
  async function recognisedVictim(caseId: string): Promise<string> {
    await onCase(caseId, {
      type: 'IdentifyPotentialVictim',
      caseId,
      identifiedOn: yesterday,
      location: 'Synthetic',
      encounterContext: 'police_operation',
      indicators: [],
      exploitationTypes: ['labour'],
      child: false,
      personal: { name: 'Synthetic Person R' },
    });
    await onCase(caseId, { type: 'RecordConsentGiven', givenOn: yesterday, language: 'en', interpreterUsed: false });
    await onCase(caseId, {
      type: 'SubmitNrmReferral',
      submittedOn: yesterday,
      competentAuthority: 'single_competent_authority',
      reference: 'R1',
    });
    await onCase(caseId, { type: 'RecordReasonableGroundsDecision', outcome: 'positive', decidedOn: yesterday });
    return recordedAt((await store.readStream(caseStream(caseId))).at(-1)!);
  }
  const recordedAt = (event: RecordedEvent): string => metadataOf(event)!.recordedAt!;
  const raisedIn = async (caseId: string) =>
    (await store.readStream(caseStream(caseId))).filter((event) => event.type === 'ReminderRaised');
  async function until<T>(what: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await what();
      if (done(value)) return value;
      if (Date.now() > end) throw new Error(`timed out waiting; last: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  /** What was raised: `key label reminderAt` with how late it was raised (ms). */
  const summary = (events: RecordedEvent[]) =>
    events.map((event) => {
      const data = event.data as { key: string; label: string; reminderAt: string };
      return {
        what: `${data.key} ${data.label}`,
        at: data.reminderAt,
        lateMs: Date.parse(recordedAt(event)) - Date.parse(data.reminderAt),
      };
    });
  const plus = (instant: string, ms: number) => new Date(Date.parse(instant) + ms).toISOString();

  const riskAssessed = {
    type: 'RiskAssessed',
    data: { level: 'medium', assessedOn: yesterday, rationale: 'Synthetic' },
  };
  const noteAdded = () => ({ type: 'NoteAdded', data: { noteId: randomUUID(), personal: { text: 'Synthetic' } } });
  const latest = (positions: Position[]) => positions.reduce((a, b) => (comparePositions(a, b) >= 0 ? a : b));
  /** Resolves once the reminder subscription under `root` has recorded scheduling up to `position`. */
  const scheduledUpTo = (root: string, position: Position) =>
    until(
      () => redis.get(reminderKeys(root).checkpoint),
      (text) => text !== null && comparePositions(parsePosition(text)!, position) >= 0,
    );
  /** A subscription of its own (its own lease and checkpoint, under `root`) beside the harness's. */
  const subscriptionUnder = (
    root: string,
    options: Partial<ConstructorParameters<typeof ReminderSubscription>[3]> = {},
    on: EventStore = store,
  ) =>
    new ReminderSubscription(on, redis, harness.queue, {
      prefix: root,
      pendingOf: (state, now) => pendingReminders(state, policy, calendar, now),
      leaseMs: 600,
      ...options,
    });
  const reconciled = (logs: string[]) => logs.some((line) => line.startsWith('reminders reconciled'));
  const reconciledIn = (logs: string[]) => () => Promise.resolve(reconciled(logs));

  it('deriving reminders case after case gives the event loop turns, so the projections beside it go on', async () => {
    // An old case walks its repeats up to now: milliseconds each. Here every derivation takes 5 ms.
    await harness.stop(); // its processor would raise the workload's overdue reminders meanwhile
    await appendWorkload(store, 40, { seed: 4 });
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 1);
    const reconciling: number[] = [];
    const following: number[] = [];
    const logs: string[] = [];
    const slow = subscriptionUnder(`${prefix}-slow`, {
      pendingOf: () => {
        const end = Date.now() + 5;
        while (Date.now() < end);
        (reconciled(logs) ? following : reconciling).push(ticks);
        return [];
      },
      log: (line) => logs.push(line),
    });
    slow.start();
    try {
      await until(reconciledIn(logs), Boolean);
      // One event for each case, committed together: one batch re-derives the 40.
      const appended = await Promise.all(
        Array.from({ length: 40 }, (_, n) => store.append(caseStream(caseIdOf(n)), [riskAssessed])),
      );
      await scheduledUpTo(`${prefix}-slow`, latest(appended.map((result) => result.position)));
    } finally {
      clearInterval(ticking);
      await slow.stop();
      harness.start();
    }
    // Timers ran between the first case derived and the last, in both.
    expect(reconciling).toHaveLength(40);
    expect(reconciling.at(-1)).toBeGreaterThan(reconciling[0]!);
    expect(following).toHaveLength(40);
    expect(following.at(-1)).toBeGreaterThan(following[0]!);
  });

  it('a note leaves the case as it was: the subscription does not re-derive its reminders', async () => {
    let derived = 0;
    const root = `${prefix}-counting`;
    const logs: string[] = [];
    const counting = subscriptionUnder(root, {
      pendingOf: () => {
        derived++;
        return [];
      },
      log: (line) => logs.push(line),
    });
    counting.start();
    try {
      await until(reconciledIn(logs), Boolean);
      const noted = caseStream(randomUUID());
      await scheduledUpTo(root, (await store.append(noted, [riskAssessed])).position);
      expect(derived).toBe(1);
      derived = 0;
      // A note on a case it holds, and on one it has never seen: neither is derived (nor read).
      const unseen = caseStream(randomUUID());
      await store.append(unseen, [noteAdded()]);
      await scheduledUpTo(root, (await store.append(noted, [noteAdded()])).position);
      expect(derived).toBe(0);
      // A note beside an event that changes a case: that case is re-derived, once.
      const both = await Promise.all([
        store.append(noted, [noteAdded()]),
        store.append(caseStream(randomUUID()), [riskAssessed]),
      ]);
      await scheduledUpTo(root, latest(both.map((result) => result.position)));
      expect(derived).toBe(1);
    } finally {
      await counting.stop();
    }
  });

  it('a process that lost the lease cannot write: the checkpoint stays where the new holder has it', async () => {
    const root = `${prefix}-fenced`;
    const keys = reminderKeys(root);
    const logs: string[] = [];
    // A long lease: the batch, not a renewal, is what meets the loss.
    const holder = subscriptionUnder(root, { leaseMs: 60_000, log: (line) => logs.push(line) });
    const caseId = randomUUID();
    holder.start();
    try {
      await until(reconciledIn(logs), Boolean);
      const first = await store.append(caseStream(caseId), [riskAssessed]);
      await scheduledUpTo(root, first.position);
      const before = await redis.get(keys.checkpoint);
      // Its lease ran out while it paused, and another process took it.
      await redis.set(keys.lease, 'another-process', 'PX', 60_000);
      const second = await store.append(caseStream(caseId), [riskAssessed]);
      await until(
        async () => logs.join('\n'),
        (text) => text.includes('the reminders lease is no longer held here'),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await redis.get(keys.checkpoint)).toBe(before);
      // Once the lease is free again it takes it, reconciles and writes: it was the fence that held it back.
      await redis.del(keys.lease);
      await scheduledUpTo(root, second.position);
    } finally {
      await holder.stop();
    }
  });

  it('the checkpoint is written only by the lease holder, over the value it last saw', async () => {
    const keys = reminderKeys(`${prefix}-checkpoint`);
    const connection = redis.duplicate();
    try {
      const mine = new FencedCheckpoint(connection, keys, 'me');
      const theirs = new FencedCheckpoint(connection, keys, 'them');
      await redis.set(keys.lease, 'me');
      await mine.read();
      await theirs.read();
      const at = (commit: number): Position => ({ commit: BigInt(commit), prepare: BigInt(commit) });
      await expect(theirs.commit(at(1))).rejects.toBeInstanceOf(FencedOut);
      expect(await redis.get(keys.checkpoint)).toBeNull();
      await mine.commit(at(2), (tx) => tx.set(keys.caseJobs('x'), 'written'));
      expect(await redis.mget(keys.checkpoint, keys.caseJobs('x'))).toEqual(['2/2', 'written']);
      // Another process moved it (it held the lease meanwhile): this one must not write over it.
      await redis.set(keys.checkpoint, '3/3');
      await expect(mine.commit(at(4), (tx) => tx.set(keys.caseJobs('x'), 'stale'))).rejects.toBeInstanceOf(FencedOut);
      expect(await redis.mget(keys.checkpoint, keys.caseJobs('x'))).toEqual(['3/3', 'written']);
    } finally {
      connection.disconnect();
    }
  });

  it('a restart goes on from the checkpoint: no event before it comes again, and no case stream is read again', async () => {
    const root = `${prefix}-restart`;
    const caseId = randomUUID();
    await recognisedVictim(caseId);
    const logs: string[] = [];
    const first = subscriptionUnder(root, { log: (line) => logs.push(line) });
    first.start();
    await until(reconciledIn(logs), Boolean);
    await scheduledUpTo(root, (await store.append(caseStream(caseId), [riskAssessed])).position);
    await first.stop();
    const saved = parsePosition((await redis.get(reminderKeys(root).checkpoint))!)!;

    // The restarted process, on a store that tells what it is asked.
    const read: string[] = [];
    const delivered: RecordedEvent[] = [];
    const watched: EventStore = {
      description: store.description,
      append: (stream, events, options) => store.append(stream, events, options),
      readStream: (stream, options) => {
        read.push(stream);
        return store.readStream(stream, options);
      },
      readAll: (options) => store.readAll(options),
      readAllByStream: (options) => store.readAllByStream(options),
      subscribeToAll: (options) => {
        const subscription = store.subscribeToAll(options);
        return {
          unsubscribe: () => subscription.unsubscribe(),
          async *[Symbol.asyncIterator]() {
            for await (const event of subscription) {
              delivered.push(event);
              yield event;
            }
          },
        };
      },
      ping: () => store.ping(),
      close: async () => undefined,
    };
    const restartLogs: string[] = [];
    const second = subscriptionUnder(root, { log: (line) => restartLogs.push(line) }, watched);
    second.start();
    try {
      await until(reconciledIn(restartLogs), Boolean);
      const moved = await onCase(caseId, {
        type: 'AssessRisk',
        level: 'high',
        assessedOn: yesterday,
        rationale: 'Synthetic',
      });
      await scheduledUpTo(root, moved.position);
      expect(delivered.every((event) => comparePositions(event.position, saved) > 0)).toBe(true);
      expect(delivered.map((event) => [event.stream, event.type])).toContainEqual([caseStream(caseId), 'RiskAssessed']);
      expect(read).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('a positive RG decision raises the recovery-period reminders at their times, each once, and the queue shows it', async () => {
    const caseId = randomUUID();
    const decidedAt = await recognisedVictim(caseId);
    const raised = summary(
      await until(
        () => raisedIn(caseId),
        (events) => events.length >= 2,
      ),
    );
    expect(raised.map(({ what, at }) => [what, at])).toEqual([
      ['recovery-period before due', plus(decidedAt, 2_000)],
      ['recovery-period due', plus(decidedAt, 4_000)],
    ]);
    for (const { lateMs } of raised) {
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThan(SLACK_MS);
    }
    // Raised once each, and nothing left waiting for the recovery period.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await raisedIn(caseId)).toHaveLength(2);
    expect((await harness.jobsOf(caseId)).filter((id) => id.includes('recovery-period'))).toEqual([]);
    // The caseworkers' queue of raised reminders has the case while the recovery period stands.
    const items = await until(
      () => harness.readModels.queueItems('reminders-raised', { scope: 'agency', id: 'police' }, Date.now(), 100),
      (found) => found.some((item) => item.member === caseId),
    );
    expect(items.find((item) => item.member === caseId)!.due).toBe(Date.parse(plus(decidedAt, 4_000)));
  });

  it('a CG decision recorded before the end removes the recovery-period jobs, and they never fire', async () => {
    const caseId = randomUUID();
    const decidedAt = await recognisedVictim(caseId);
    await until(
      () => harness.jobsOf(caseId),
      (ids) => ids.filter((id) => id.includes('recovery-period')).length === 2,
    );
    await onCase(caseId, { type: 'RecordConclusiveGroundsDecision', outcome: 'positive', decidedOn: yesterday });
    // Removed, not merely skipped when they fire: gone before the first was due (2 s after the RG decision).
    await until(
      () => harness.jobsOf(caseId),
      (ids) => !ids.some((id) => id.includes('recovery-period')),
      Date.parse(decidedAt) + 2_000 - Date.now() - 100,
    );
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(await raisedIn(caseId)).toEqual([]);
  });

  it('an exit raises each follow-up in order, at its time', async () => {
    const caseId = randomUUID();
    await recognisedVictim(caseId);
    await onCase(caseId, { type: 'RecordConclusiveGroundsDecision', outcome: 'positive', decidedOn: yesterday });
    await onCase(caseId, { type: 'RecordExit', exitedOn: yesterday, reason: 'support_completed' });
    const exitedAt = recordedAt((await store.readStream(caseStream(caseId))).at(-1)!);
    const raised = summary(
      await until(
        () => raisedIn(caseId),
        (events) => events.length >= 3,
      ),
    );
    expect(raised.map(({ what, at }) => [what, at])).toEqual([
      ['follow-up-1 due', plus(exitedAt, 1_500)],
      ['follow-up-2 due', plus(exitedAt, 3_000)],
      ['follow-up-3 due', plus(exitedAt, 4_500)],
    ]);
    for (const { lateMs } of raised) expect(lateMs).toBeLessThan(SLACK_MS);
  });

  it('Redis emptied and reconciled: every reminder still to come comes back, and each is raised exactly once', async () => {
    const caseId = randomUUID();
    const decidedAt = await recognisedVictim(caseId);
    await until(
      () => raisedIn(caseId),
      (events) => events.length === 1,
    ); // the one 2 s before
    await harness.stop();
    // Everything this deployment had in Redis: jobs, the scheduler's records, the read models.
    const keys = await redis.keys(`${prefix}:*`);
    await redis.del(...keys);
    expect(await harness.jobsOf(caseId)).toEqual([]);

    harness.start(); // the new leader reconciles from the event store first
    await until(
      () => harness.jobsOf(caseId),
      (ids) => ids.includes(reminderJobId(caseId, { key: 'recovery-period', at: plus(decidedAt, 4_000) })),
    );
    // A second reconciliation changes nothing: no duplicate jobs.
    const before = await harness.jobsOf(caseId);
    // As `npm run reminders:reconcile` does, beside the running worker: it takes the lease from it.
    const again = await harness.newSubscription().reconcileNow();
    expect(again.added).toBe(0);
    expect(await harness.jobsOf(caseId)).toEqual(before);
    // The worker takes its lease back and goes on scheduling.
    const next = randomUUID();
    await recognisedVictim(next);
    await until(
      () => harness.jobsOf(next),
      (ids) => ids.length > 0,
    );

    const raised = summary(
      await until(
        () => raisedIn(caseId),
        (events) => events.length >= 2,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(summary(await raisedIn(caseId)).map(({ what }) => what)).toEqual([
      'recovery-period before due',
      'recovery-period due',
    ]);
    expect(raised[1]!.lateMs).toBeLessThan(SLACK_MS);
  });

  it('a moved deadline moves its job: the placement review follows the placement', async () => {
    const caseId = randomUUID();
    await recognisedVictim(caseId);
    await onCase(caseId, {
      type: 'StartSafeHousePlacement',
      placementId: 'p1',
      startedOn: yesterday,
      provider: 'Synthetic',
      address: '1 Synthetic Street',
      emergencyOutsideNrm: false,
    });
    const first = await until(
      () => harness.jobsOf(caseId),
      (ids) => ids.some((id) => id.includes('placement-review')),
    );
    await onCase(caseId, {
      type: 'MoveSafeHousePlacement',
      movedOn: yesterday,
      provider: 'Synthetic',
      address: '2 Synthetic Street',
    });
    const reviewOf = (ids: string[]) => ids.filter((id) => id.includes('placement-review'));
    const moved = await until(
      () => harness.jobsOf(caseId),
      (ids) => reviewOf(ids).length === 1 && reviewOf(ids)[0] !== reviewOf(first)[0],
    );
    expect(reviewOf(moved)).toHaveLength(1);
  });

  it('the same reminder run by several processors at once is raised once', async () => {
    const caseId = randomUUID();
    const decidedAt = await recognisedVictim(caseId);
    await harness.stop(); // nothing else runs it
    const data: ReminderJobData = {
      caseId,
      key: 'recovery-period',
      kind: 'recovery_period',
      label: 'before due',
      dueAt: plus(decidedAt, 4_000),
      at: plus(decidedAt, 2_000),
    };
    const jobId = reminderJobId(caseId, data);
    const early = await processReminder(jobId, data, { store, policy, calendar });
    expect(early).toEqual({ outcome: 'not_yet', at: data.at });
    await until(
      async () => Date.now(),
      (now) => now >= Date.parse(data.at),
    );
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => processReminder(jobId, data, { store, policy, calendar })),
    );
    expect(outcomes.filter((outcome) => outcome.outcome === 'raised' && !outcome.replayed)).toHaveLength(1);
    expect(await raisedIn(caseId)).toHaveLength(1);
    harness.start();
  });
});
