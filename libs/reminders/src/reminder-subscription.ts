import type Redis from 'ioredis';
import type { Queue } from 'bullmq';
import { CASE_STREAM_PREFIX } from '@app/case-domain';
import { inBatches, type EventStore, type RecordedEvent } from '@app/event-store';
import { LeaseLock } from '@app/platform/redis/lease-lock';
import { connectedOrTimedOut } from '@app/platform/redis/redis-client';
import { CaseStates } from './case-states';
import { FencedCheckpoint, FencedOut } from './fenced-checkpoint';
import { reconcile, type ReconcileResult } from './reconcile';
import { reminderKeys, type PendingRemindersOf, type ReminderJob, type ReminderKeys } from './reminder-jobs';
import { applyJobs, breather, jobsOf, type Scheduling } from './scheduling';

export interface ReminderSubscriptionOptions {
  /** The project's Redis key prefix (`REDIS_KEY_PREFIX`). */
  readonly prefix: string;
  readonly pendingOf: PendingRemindersOf;
  readonly log?: (message: string) => void;
  readonly now?: () => Date;
  /** How long the lease outlives a holder that died: another process takes over within about this long. */
  readonly leaseMs?: number;
  /** The most events one batch folds and schedules together. */
  readonly batchSize?: number;
  /** How many case states are kept in memory between batches (the most recently touched). */
  readonly cachedCases?: number;
}

/** What one holding of the lease works with. */
interface Holding {
  readonly checkpoint: FencedCheckpoint;
  readonly states: CaseStates;
  /** A renewal found the lease gone. */
  lost: boolean;
}

const CASE_STREAMS = { on: 'streamName', prefixes: [CASE_STREAM_PREFIX] } as const;
const RETRY_MS = 1_000;

/**
 * Keeps BullMQ holding exactly the reminders the cases need: a delayed job per pending reminder,
 * under a deterministic id, and per case a record of the ids it holds (to remove the ones that no
 * longer apply: a settled deadline, a moved one).
 *
 * One process at a time does it, whichever holds the reminders lease, in one serial loop: take
 * the lease, reconcile (`reconcile.ts`: every case re-derived, the checkpoint moved to the head),
 * then follow the case streams from that checkpoint. Each batch is folded onto the states held in
 * memory (`CaseStates`), the touched cases' jobs are added and removed, and their records and the
 * new checkpoint written in one fenced MULTI (`FencedCheckpoint`). A crash between the jobs and
 * that write repeats the batch, harmlessly: the ids are deterministic. A failed batch is retried
 * from the checkpoint; a lost lease ends the holding. `npm run reminders:reconcile` seizes the
 * lease (`reconcileNow`): the holder, fenced out, takes it back afterwards and reconciles again.
 */
export class ReminderSubscription {
  readonly keys: ReminderKeys;
  private readonly lease: LeaseLock;
  private readonly scheduling: Scheduling;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Ends what the loop waits on: the live subscription, or a pause. */
  private interrupt: () => void = () => undefined;

  constructor(
    store: EventStore,
    private readonly redis: Redis,
    queue: Queue,
    private readonly options: ReminderSubscriptionOptions,
  ) {
    this.keys = reminderKeys(options.prefix);
    this.lease = new LeaseLock(redis, this.keys.lease, options.leaseMs ?? 5_000);
    this.scheduling = {
      store,
      redis,
      queue,
      keys: this.keys,
      pendingOf: options.pendingOf,
      now: options.now ?? (() => new Date()),
      log: options.log ?? (() => undefined),
    };
  }

  /** Runs the loop: tries for the lease until it holds it, then schedules until stopped or the lease is lost. */
  start(): void {
    this.stopping = false;
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  /** Ends the loop after the batch or reconciliation in progress, and gives the lease up. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.interrupt();
    await this.running;
  }

  /**
   * Reconciles in this process (`npm run reminders:reconcile`), taking the lease from its holder
   * if one has it. The holder's writes are fenced out from then on; it takes the lease back once
   * this releases it, and reconciles again, so anything it did meanwhile is made right.
   */
  async reconcileNow(): Promise<ReconcileResult> {
    const result = await this.holding(
      (holding) => reconcile(this.scheduling, holding.checkpoint, holding.states),
      'seize',
    );
    return result!;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.holding((holding) => this.lead(holding));
      } catch (error) {
        this.scheduling.log(`reminders: ${(error as Error).message}; trying again in ${RETRY_MS} ms`);
      }
      if (!this.stopping) await this.pause(RETRY_MS);
    }
  }

  /** Runs `work` holding the lease (renewed meanwhile), on a connection of its own; `undefined` if another holds it. */
  private async holding<T>(work: (holding: Holding) => Promise<T>, how?: 'seize'): Promise<T | undefined> {
    if (how === 'seize') await this.lease.seize();
    else if (!(await this.lease.tryAcquire())) return undefined;
    const connection = this.redis.duplicate();
    connection.on('error', () => undefined); // a failed command says it; the client reconnects by itself
    const holding: Holding = {
      checkpoint: new FencedCheckpoint(connection, this.keys, this.lease.owner),
      states: new CaseStates(this.scheduling.store, this.options.cachedCases ?? 10_000, this.scheduling.log),
      lost: false,
    };
    const renewal = setInterval(() => void this.renew(holding), Math.max(20, Math.floor(this.lease.leaseMs / 3)));
    try {
      await connectedOrTimedOut(connection);
      await holding.checkpoint.read();
      return await work(holding);
    } finally {
      clearInterval(renewal);
      connection.disconnect();
      await this.lease.release().catch(() => undefined);
    }
  }

  /** Keeps the lease, and interrupts the loop when it is lost. */
  private async renew(holding: Holding): Promise<void> {
    // A renewal that fails (Redis unreachable) says nothing yet: the next one tells.
    if (!(await this.lease.renew().catch(() => true))) {
      holding.lost = true;
      this.interrupt();
    }
  }

  private async lead(holding: Holding): Promise<void> {
    this.scheduling.log('reminders: holds the reminders lease; reconciling, then following the case streams');
    await reconcile(this.scheduling, holding.checkpoint, holding.states);
    while (!this.stopping && !holding.lost) {
      try {
        await this.follow(holding);
      } catch (error) {
        if (error instanceof FencedOut) throw error;
        this.scheduling.log(`reminder scheduling failed: ${(error as Error).message}; retrying in ${RETRY_MS} ms`);
        // The batch may be folded but not committed: start again from the checkpoint, states unknown.
        holding.states.clear();
        await holding.checkpoint.read();
        await this.pause(RETRY_MS);
      }
    }
    if (holding.lost) this.scheduling.log('reminders: lost the reminders lease; stopped scheduling here');
  }

  /** Follows the case streams from the checkpoint until interrupted. */
  private async follow(holding: Holding): Promise<void> {
    if (this.stopping) return;
    const subscription = this.scheduling.store.subscribeToAll({
      fromPosition: holding.checkpoint.position ?? 'start',
      filter: CASE_STREAMS,
    });
    this.interrupt = () => void subscription.unsubscribe();
    try {
      for await (const batch of inBatches(subscription, this.options.batchSize ?? 1_000)) {
        // Unsubscribe before leaving the loop: that ends the read the batching has in flight.
        await this.schedule(batch, holding).catch(async (error: unknown) => {
          await subscription.unsubscribe();
          throw error;
        });
      }
    } finally {
      this.interrupt = () => undefined;
      await subscription.unsubscribe();
    }
  }

  /** Folds a batch, makes the touched cases' jobs match, then records them with the checkpoint. */
  private async schedule(events: readonly RecordedEvent[], holding: Holding): Promise<void> {
    const changed = await holding.states.fold(events);
    const now = this.scheduling.now();
    const desired = new Map<string, ReminderJob[]>();
    const breathe = breather();
    for (const [caseId, state] of changed) {
      await breathe();
      try {
        desired.set(caseId, jobsOf(this.scheduling, caseId, state, now));
      } catch (error) {
        this.scheduling.log(
          `reminders: cannot derive case-${caseId}, its jobs left as they are: ${(error as Error).message}`,
        );
      }
    }
    const caseIds = [...desired.keys()];
    const read = this.redis.pipeline();
    for (const caseId of caseIds) read.smembers(this.keys.caseJobs(caseId));
    const held = (caseIds.length > 0 ? (await read.exec())! : []).map(([error, ids]) => {
      if (error) throw error;
      return new Set(ids as string[]);
    });
    const add: ReminderJob[] = [];
    const remove: string[] = [];
    caseIds.forEach((caseId, index) => {
      const want = desired.get(caseId)!;
      for (const job of want) if (!held[index]!.has(job.opts.jobId)) add.push(job);
      const wanted = new Set(want.map((job) => job.opts.jobId));
      for (const id of held[index]!) if (!wanted.has(id)) remove.push(id);
    });
    if (add.length > 0 || remove.length > 0) {
      await holding.checkpoint.check();
      await applyJobs(this.scheduling, add, remove);
    }
    await holding.checkpoint.commit(events.at(-1)!.position, (tx) => {
      for (const [caseId, jobs] of desired) {
        tx.del(this.keys.caseJobs(caseId));
        if (jobs.length > 0) tx.sadd(this.keys.caseJobs(caseId), ...jobs.map((job) => job.opts.jobId));
      }
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.interrupt = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => (this.interrupt = () => undefined));
  }
}
