import type Redis from 'ioredis';
import type { Queue } from 'bullmq';
import { type EventStore, type Position, type RecordedEvent } from '@app/event-store';
import { LeaseLock } from '@app/platform/redis/lease-lock';
import { LeasedFollower, type FollowerHolding } from '@app/platform/redis/leased-follower';
import { connectedOrTimedOut } from '@app/platform/redis/redis-client';
import { CaseStates } from './case-states';
import { FencedCheckpoint, FencedOut } from './fenced-checkpoint';
import { reconcile, type ReconcileResult } from './reconcile';
import { touchedMeetings } from './meeting-states';
import {
  reminderKeys,
  REMINDER_STREAMS,
  type PendingMeetingRemindersOf,
  type PendingRemindersOf,
  type ReminderJob,
  type ReminderKeys,
} from './reminder-jobs';
import { applyJobs, breather, jobsOf, meetingJobsOf, type Scheduling } from './scheduling';

export interface ReminderSubscriptionOptions {
  /** The project's Redis key prefix (`REDIS_KEY_PREFIX`). */
  readonly prefix: string;
  readonly pendingOf: PendingRemindersOf;
  /** A MARAC meeting's open actions' reminders (`remindersUnder` gives both); without it, none. */
  readonly meetingPendingOf?: PendingMeetingRemindersOf;
  readonly log?: (message: string) => void;
  readonly now?: () => Date;
  /** How long the lease outlives a holder that died: another process takes over within about this long. */
  readonly leaseMs?: number;
  /** The most events one batch folds and schedules together. */
  readonly batchSize?: number;
  /** How many case states are kept in memory between batches (the most recently touched). */
  readonly cachedCases?: number;
}

const RETRY_MS = 1_000;

/**
 * Keeps BullMQ holding exactly the reminders the cases need, and the open actions of MARAC
 * meetings: a delayed job per pending reminder, under a deterministic id, and per case (or
 * meeting) a record of the ids it holds (to remove the ones that no longer apply: a settled
 * deadline, a moved one, a completed action).
 *
 * One process at a time does it, whichever holds the reminders lease, in one serial loop
 * (`LeasedFollower`): take the lease, reconcile (`reconcile.ts`: every case and meeting
 * re-derived, the checkpoint moved to the head), then follow the case and meeting streams from
 * that checkpoint.
 * Each batch is folded onto the case states held in memory (`CaseStates`; a touched meeting is
 * read whole, `touchedMeetings`), the touched cases' and meetings' jobs are added and removed,
 * and their records and the new checkpoint written in one fenced MULTI (`FencedCheckpoint`). A
 * crash between the jobs and that write repeats the batch, harmlessly: the ids are deterministic.
 * A failed batch is retried from the checkpoint; a lost lease, or a write fenced out, ends the
 * holding. `npm run reminders:reconcile` seizes the lease (`reconcileNow`): the holder, fenced
 * out, takes it back afterwards and reconciles again.
 */
export class ReminderSubscription {
  readonly keys: ReminderKeys;
  private readonly follower: LeasedFollower<ReminderHolding>;

  constructor(store: EventStore, redis: Redis, queue: Queue, options: ReminderSubscriptionOptions) {
    this.keys = reminderKeys(options.prefix);
    const scheduling: Scheduling = {
      store,
      redis,
      queue,
      keys: this.keys,
      pendingOf: options.pendingOf,
      meetingPendingOf: options.meetingPendingOf ?? (() => []),
      now: options.now ?? (() => new Date()),
      log: options.log ?? (() => undefined),
    };
    const lease = new LeaseLock(redis, this.keys.lease, options.leaseMs ?? 5_000);
    this.follower = new LeasedFollower(store, lease, {
      name: 'reminders',
      lostMessage: 'lost the reminders lease; stopped scheduling here',
      log: scheduling.log,
      filter: REMINDER_STREAMS,
      batchSize: options.batchSize,
      retryMs: RETRY_MS,
      open: () => new ReminderHolding(scheduling, redis.duplicate(), lease.owner, options.cachedCases ?? 10_000),
    });
  }

  /** Runs the loop: tries for the lease until it holds it, then schedules until stopped or the lease is lost. */
  start(): void {
    this.follower.start();
  }

  /** Ends the loop after the batch or reconciliation in progress, and gives the lease up. */
  stop(): Promise<void> {
    return this.follower.stop();
  }

  /**
   * Reconciles in this process (`npm run reminders:reconcile`), taking the lease from its holder
   * if one has it. The holder's writes are fenced out from then on; it takes the lease back once
   * this releases it, and reconciles again, so anything it did meanwhile is made right.
   */
  reconcileNow(): Promise<ReconcileResult> {
    return this.follower.seize((holding) => holding.reconcile());
  }
}

/**
 * What one holding of the lease works with: a Redis connection of its own (WATCH belongs to a
 * connection) for the fenced checkpoint, and the case states folded so far.
 */
class ReminderHolding implements FollowerHolding {
  private readonly checkpoint: FencedCheckpoint;
  private readonly states: CaseStates;

  constructor(
    private readonly scheduling: Scheduling,
    private readonly connection: Redis,
    owner: string,
    cachedCases: number,
  ) {
    connection.on('error', () => undefined); // a failed command says it; the client reconnects by itself
    this.checkpoint = new FencedCheckpoint(connection, scheduling.keys, owner);
    this.states = new CaseStates(scheduling.store, cachedCases, scheduling.log);
  }

  /** Re-derives every case's reminders (`reconcile.ts`), moving the checkpoint to the head. */
  async reconcile(): Promise<ReconcileResult> {
    await connectedOrTimedOut(this.connection);
    await this.checkpoint.read();
    return reconcile(this.scheduling, this.checkpoint, this.states);
  }

  async start(): Promise<void> {
    this.scheduling.log(
      'reminders: holds the reminders lease; reconciling, then following the case and meeting streams',
    );
    await this.reconcile();
  }

  from(): Position | 'start' {
    return this.checkpoint.position ?? 'start';
  }

  /** A fenced-out holder stops; any other failure is retried from the checkpoint. */
  async recover(error: unknown): Promise<void> {
    if (error instanceof FencedOut) throw error;
    this.scheduling.log(`reminder scheduling failed: ${(error as Error).message}; retrying in ${RETRY_MS} ms`);
    // The batch may be folded but not committed: start again from the checkpoint, states unknown.
    this.states.clear();
    await this.checkpoint.read();
  }

  close(): void {
    this.connection.disconnect();
  }

  /** Folds a batch, makes the touched cases' and meetings' jobs match, then records them with the checkpoint. */
  async handle(events: readonly RecordedEvent[]): Promise<void> {
    const { redis, keys, log } = this.scheduling;
    const changed = await this.states.fold(events);
    const meetings = await touchedMeetings(this.scheduling.store, events, log);
    const now = this.scheduling.now();
    /** The jobs each touched case or meeting should hold, by its record's key. */
    const desired = new Map<string, ReminderJob[]>();
    const breathe = breather();
    const derive = async (record: string, what: string, jobs: () => ReminderJob[]) => {
      await breathe();
      try {
        desired.set(record, jobs());
      } catch (error) {
        log(`reminders: cannot derive ${what}, its jobs left as they are: ${(error as Error).message}`);
      }
    };
    for (const [caseId, state] of changed) {
      await derive(keys.caseJobs(caseId), `case-${caseId}`, () => jobsOf(this.scheduling, caseId, state, now));
    }
    for (const [meetingId, meeting] of meetings) {
      await derive(keys.meetingJobs(meetingId), `meeting ${meetingId}`, () =>
        meetingJobsOf(this.scheduling, meetingId, meeting, now),
      );
    }
    const records = [...desired.keys()];
    const read = redis.pipeline();
    for (const record of records) read.smembers(record);
    const held = (records.length > 0 ? (await read.exec())! : []).map(([error, ids]) => {
      if (error) throw error;
      return new Set(ids as string[]);
    });
    const add: ReminderJob[] = [];
    const remove: string[] = [];
    records.forEach((record, index) => {
      const want = desired.get(record)!;
      for (const job of want) if (!held[index]!.has(job.opts.jobId)) add.push(job);
      const wanted = new Set(want.map((job) => job.opts.jobId));
      for (const id of held[index]!) if (!wanted.has(id)) remove.push(id);
    });
    if (add.length > 0 || remove.length > 0) {
      await this.checkpoint.check();
      await applyJobs(this.scheduling, add, remove);
    }
    await this.checkpoint.commit(events.at(-1)!.position, (tx) => {
      for (const [record, jobs] of desired) {
        tx.del(record);
        if (jobs.length > 0) tx.sadd(record, ...jobs.map((job) => job.opts.jobId));
      }
    });
  }
}
