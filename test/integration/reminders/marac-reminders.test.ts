import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Queue, Worker, type Job } from 'bullmq';
import { DateTime } from 'luxon';
import {
  deadlinePolicyInSeconds,
  englandAndWalesCalendar,
  maracMeetingDecider,
  maracMeetingStream,
  seconds,
  type DeadlinePolicy,
  type MaracMeetingCommand,
} from '../../../libs/case-domain/src';
import { handleCommand, metadataOf } from '../../../libs/command-handling/src';
import { SqliteEventStore, type RecordedEvent } from '../../../libs/event-store/src';
import { deadlineRules } from '../../../libs/read-models/src/deadline-rules';
import { ProjectionWorker, ReadModels, readModelProjections } from '../../../libs/read-models/src';
import {
  bullConnection,
  bullPrefix,
  meetingReminderJobId,
  processReminder,
  REMINDER_QUEUE,
  remindersUnder,
  ReminderSubscription,
  runReminderJob,
  SCHEDULED_STATES,
  type ReminderJobData,
} from '../../../libs/reminders/src';
import { daysAhead } from '../../support/dates';
import { until } from '../../support/read-model-dump';
import { police } from '../../support/workload';

/**
 * A MARAC action falls due at 09:00 London on its own date, so these tests give the app a clock
 * of their own: the real one moved on to a few seconds before 09:00 on a date two days from now
 * (whatever day they run). Every part runs on it (commands, scheduling, the processor); BullMQ's
 * delays are differences of it, so they pass in real seconds. The reminder-before lasts 2 s here
 * (everything else a day = an hour, out of the way).
 */
const policy: DeadlinePolicy = { ...deadlinePolicyInSeconds(3_600), maracActionReminderBefore: seconds(2) };
const calendar = englandAndWalesCalendar();
const LEAD_MS = 5_000;
const SLACK_MS = 1_500;
const KEY = (actionId: string) => `marac-action-${actionId}`;

describe('MARAC action reminders as BullMQ jobs (embedded store, real Redis, the test’s clock)', () => {
  jest.setTimeout(60_000);
  let dir: string;
  let store: SqliteEventStore;
  let redis: Redis;
  let prefix: string;
  let queue: Queue;
  let worker: Worker | undefined;
  let subscription: ReminderSubscription;
  let projections: ProjectionWorker;
  /** The app's clock: real time shifted so that `dueAt` is `LEAD_MS` after the action is agreed. */
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const dueOn = daysAhead(2);
  const dueAt = DateTime.fromISO(`${dueOn}T09:00`, { zone: 'Europe/London' }).toUTC().toISO()!;
  const before = new Date(Date.parse(dueAt) - 2_000).toISOString();

  const newSubscription = () =>
    new ReminderSubscription(store, redis, queue, {
      prefix,
      ...remindersUnder(policy, calendar),
      now: clock,
      leaseMs: 600,
    });
  function start(): void {
    subscription = newSubscription();
    projections = new ProjectionWorker(store, redis, readModelProjections(deadlineRules(policy)), {
      root: `${prefix}:rm`,
      leaseMs: 600,
    });
    projections.start();
    subscription.start();
    worker = new Worker(
      REMINDER_QUEUE,
      (job: Job<ReminderJobData>, token?: string) =>
        runReminderJob(job, token, { store, policy, calendar, now: clock }),
      { connection: bullConnection(process.env.TEST_REDIS_URL!), prefix: bullPrefix(prefix), concurrency: 8 },
    );
  }
  async function stop(): Promise<void> {
    await worker?.close();
    worker = undefined;
    await subscription.stop();
    await projections.stop();
  }

  beforeEach(() => {
    offset = Date.parse(dueAt) - LEAD_MS - Date.now();
    dir = mkdtempSync(join(tmpdir(), 'marac-action-reminders-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    redis = new Redis(process.env.TEST_REDIS_URL!);
    prefix = `test-${randomUUID()}`;
    queue = new Queue(REMINDER_QUEUE, {
      connection: bullConnection(process.env.TEST_REDIS_URL!),
      prefix: bullPrefix(prefix),
    });
    start();
  });
  afterEach(async () => {
    await stop();
    await queue.close();
    await store.close();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const onMeeting = (meetingId: string, command: MaracMeetingCommand) =>
    handleCommand(store, maracMeetingDecider, maracMeetingStream(meetingId), command, {
      actor: police,
      correlationId: randomUUID(),
      now: clock,
    });
  /** A meeting today (on the test's clock) agreeing an action due today at 09:00, a few seconds off. */
  async function actionAgreed(meetingId: string, actionId: string, caseId = randomUUID()): Promise<void> {
    offset = Date.parse(dueAt) - LEAD_MS - Date.now(); // set again here: the lead is counted from the agreement
    await onMeeting(meetingId, {
      type: 'ScheduleMaracMeeting',
      meetingId,
      area: 'West',
      meetsOn: dueOn,
      attendingAgencies: ['police'],
    });
    await onMeeting(meetingId, { type: 'ListCaseAtMarac', caseId, listedCase: { referredToMarac: true } });
    await onMeeting(meetingId, {
      type: 'AgreeMaracAction',
      actionId,
      caseId,
      description: 'Synthetic action',
      ownerAgency: 'police',
      dueOn,
    });
  }
  const raisedIn = async (meetingId: string) =>
    (await store.readStream(maracMeetingStream(meetingId))).filter(
      (event) => event.type === 'MaracActionReminderRaised',
    );
  const jobsOf = async (meetingId: string) =>
    (await queue.getRanges(SCHEDULED_STATES, 0, -1)).filter((id) => id.includes(meetingId)).sort();
  /** Resolves with `what` once `done` holds of it (the shared `until`, keeping the value). */
  async function once<T>(what: () => Promise<T>, done: (value: T) => boolean, timeoutMs?: number): Promise<T> {
    let value: T | undefined;
    await until(async () => done((value = await what())), timeoutMs);
    return value!;
  }
  /** A job of the action `a-1` as the subscription schedules it. */
  const jobData = (meetingId: string, label: string, at: string): ReminderJobData => ({
    caseId: 'unused',
    meetingId,
    actionId: 'a-1',
    key: KEY('a-1'),
    kind: 'marac_action',
    label,
    dueAt,
    at,
  });
  /** What was raised: `actionId label reminderAt`, and how late on the test's clock (ms). */
  const summary = (events: RecordedEvent[]) =>
    events.map((event) => {
      const data = event.data as { actionId: string; key: string; label: string; reminderAt: string };
      return {
        what: `${data.actionId} ${data.key} ${data.label} ${data.reminderAt}`,
        lateMs: Date.parse(metadataOf(event)!.recordedAt!) - Date.parse(data.reminderAt),
      };
    });

  it('an agreed action is reminded 2 s before and at due on its meeting, each once; the agenda shows the last', async () => {
    const meetingId = randomUUID();
    await actionAgreed(meetingId, 'a-1');
    expect(
      await once(
        () => jobsOf(meetingId),
        (ids) => ids.length === 2,
      ),
    ).toEqual(
      [
        meetingReminderJobId(meetingId, { key: KEY('a-1'), at: before }),
        meetingReminderJobId(meetingId, { key: KEY('a-1'), at: dueAt }),
      ].sort(),
    );
    const raised = summary(
      await once(
        () => raisedIn(meetingId),
        (events) => events.length >= 2,
      ),
    );
    expect(raised.map(({ what }) => what)).toEqual([
      `a-1 ${KEY('a-1')} before due ${before}`,
      `a-1 ${KEY('a-1')} due ${dueAt}`,
    ]);
    for (const { lateMs } of raised) {
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThan(SLACK_MS);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await raisedIn(meetingId)).toHaveLength(2);
    expect(await jobsOf(meetingId)).toEqual([]);
    const readModels = new ReadModels(redis, `${prefix}:rm`);
    const view = await once(
      () => readModels.meeting(meetingId),
      (found) => found?.actions['a-1']?.lastReminder?.label === 'due',
    );
    expect(view!.actions['a-1']!.lastReminder).toMatchObject({ label: 'due', reminderAt: dueAt });
  });

  it('completing the action settles it: its jobs are removed and no reminder is raised', async () => {
    const meetingId = randomUUID();
    await actionAgreed(meetingId, 'a-1');
    await once(
      () => jobsOf(meetingId),
      (ids) => ids.length === 2,
    );
    await onMeeting(meetingId, { type: 'CompleteMaracAction', actionId: 'a-1', completedOn: dueOn });
    // Removed before the first was due, not merely skipped when they fire.
    await once(
      () => jobsOf(meetingId),
      (ids) => ids.length === 0,
      Date.parse(before) - clock().getTime() - 100,
    );
    await new Promise((resolve) => setTimeout(resolve, LEAD_MS + 500));
    expect(await raisedIn(meetingId)).toEqual([]);
  });

  it('a job that still fires after completion (a worker was behind) is skipped', async () => {
    const meetingId = randomUUID();
    await stop();
    await actionAgreed(meetingId, 'a-1');
    await onMeeting(meetingId, { type: 'CompleteMaracAction', actionId: 'a-1', completedOn: dueOn });
    const data = jobData(meetingId, 'due', dueAt);
    const late = () => new Date(Date.parse(dueAt) + 1_000);
    const jobId = meetingReminderJobId(meetingId, data);
    expect(await processReminder(jobId, data, { store, policy, calendar, now: late })).toEqual({
      outcome: 'skipped',
      reason: 'no_such_deadline',
    });
    expect(await raisedIn(meetingId)).toEqual([]);
    start();
  });

  it('Redis emptied and reconciled: the reminder still to come comes back, and each is raised exactly once', async () => {
    const meetingId = randomUUID();
    await actionAgreed(meetingId, 'a-1');
    await once(
      () => raisedIn(meetingId),
      (events) => events.length === 1,
    ); // the one 2 s before
    await stop();
    const keys = await redis.keys(`${prefix}:*`);
    await redis.del(...keys);
    expect(await jobsOf(meetingId)).toEqual([]);

    start(); // the new leader reconciles from the event store first
    await once(
      () => jobsOf(meetingId),
      (ids) => ids.includes(meetingReminderJobId(meetingId, { key: KEY('a-1'), at: dueAt })),
    );
    // Reconciling again beside it changes nothing.
    const again = await newSubscription().reconcileNow();
    expect(again).toMatchObject({ meetings: 1, openMeetings: 1, added: 0 });
    const raised = summary(
      await once(
        () => raisedIn(meetingId),
        (events) => events.length >= 2,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(summary(await raisedIn(meetingId)).map(({ what }) => what)).toEqual([
      `a-1 ${KEY('a-1')} before due ${before}`,
      `a-1 ${KEY('a-1')} due ${dueAt}`,
    ]);
    expect(raised[1]!.lateMs).toBeLessThan(SLACK_MS);
  });

  it('the same action reminder run by several processors at once is raised once', async () => {
    const meetingId = randomUUID();
    await stop(); // nothing else runs it
    await actionAgreed(meetingId, 'a-1');
    const data = jobData(meetingId, 'before due', before);
    const jobId = meetingReminderJobId(meetingId, data);
    expect(await processReminder(jobId, data, { store, policy, calendar, now: clock })).toEqual({
      outcome: 'not_yet',
      at: before,
    });
    const due = () => new Date(Date.parse(before) + 10);
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => processReminder(jobId, data, { store, policy, calendar, now: due })),
    );
    expect(outcomes.filter((outcome) => outcome.outcome === 'raised' && !outcome.replayed)).toHaveLength(1);
    expect(await raisedIn(meetingId)).toHaveLength(1);
    start();
  });
});
