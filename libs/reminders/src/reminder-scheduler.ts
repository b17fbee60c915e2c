import type Redis from 'ioredis';
import type { Queue } from 'bullmq';
import {
  CASE_STREAM_PREFIX,
  caseDecider,
  caseIdOfStream,
  caseStream,
  firesAt,
  STATE_NEUTRAL_EVENTS,
  type CaseEvent,
  type CaseState,
} from '@app/case-domain';
import { toDomainEvent } from '@app/command-handling';
import type { EventStore, RecordedEvent } from '@app/event-store';
import type { ProjectionFollower } from '@app/read-models';
import {
  reminderJob,
  reminderKeys,
  SCHEDULED_STATES,
  type PendingRemindersOf,
  type ReminderJob,
  type ReminderKeys,
} from './reminder-jobs';

export interface ReminderSchedulerOptions {
  /** The project's Redis key prefix (`REDIS_KEY_PREFIX`). */
  readonly prefix: string;
  readonly pendingOf: PendingRemindersOf;
  readonly log?: (message: string) => void;
  readonly now?: () => Date;
  /** How many cases one sync reads and writes together. */
  readonly chunk?: number;
}

/** What a reconciliation found and did. */
export interface ReconcileResult {
  readonly cases: number;
  readonly openCases: number;
  readonly reminders: number;
  readonly added: number;
  readonly removed: number;
  readonly elapsedMs: number;
  /** Where the time went: reading and folding the store, deriving reminders, BullMQ, the per-case records. */
  readonly phasesMs: {
    readonly read: number;
    readonly derive: number;
    readonly jobs: number;
    readonly records: number;
  };
}

/** The state of a case from its recorded events. */
export function foldCaseEvents(
  recorded: readonly RecordedEvent[],
  from: CaseState = caseDecider.initialState,
): CaseState {
  let state = from;
  for (const event of recorded) {
    state = caseDecider.evolve(state, toDomainEvent<CaseEvent>(event));
  }
  return state;
}

/**
 * Keeps BullMQ holding exactly the reminders the cases need: a delayed job per pending reminder
 * (`pendingReminders`), under a deterministic id. It is told which cases changed (the projection
 * runner's committed batches) and re-derives each from the event store, so it always schedules
 * from the case as it is now, whatever order it hears in. It records the job ids it holds per
 * case, to remove the ones that no longer apply (a settled deadline, a moved one).
 *
 * One scheduler acts at a time (the one in the process holding the projections lock), and its
 * work is serial: a reconciliation and the syncs never interleave. What it was told but had not
 * done when it stopped is recovered by the reconciliation every new leader runs first.
 */
export class ReminderScheduler implements ProjectionFollower {
  readonly keys: ReminderKeys;
  private readonly dirty = new Set<string>();
  private reconcileWanted = false;
  private active = false;
  private draining: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private requestTimer: NodeJS.Timeout | undefined;
  private readonly now: () => Date;
  private readonly waiters: ((result: ReconcileResult) => void)[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly redis: Redis,
    private readonly queue: Queue,
    private readonly options: ReminderSchedulerOptions,
  ) {
    this.keys = reminderKeys(options.prefix);
    this.now = options.now ?? (() => new Date());
  }

  /** This process now leads: reconcile first, then follow. */
  lead(): void {
    this.active = true;
    this.reconcileWanted = true;
    this.kick();
    clearInterval(this.requestTimer);
    this.requestTimer = setInterval(() => void this.answerRequests(), 1_000);
  }

  /** Another process leads now (or this one is stopping): drop what was pending. */
  async follow(): Promise<void> {
    this.active = false;
    this.dirty.clear();
    clearTimeout(this.retryTimer);
    clearInterval(this.requestTimer);
    this.retryTimer = undefined;
    await this.draining;
  }

  /** `npm run reminders:reconcile` asks the leader, whose syncs a reconciliation must not run beside. */
  private async answerRequests(): Promise<void> {
    try {
      for (;;) {
        const requestId = await this.redis.lpop(this.keys.reconcileRequests);
        if (!requestId || !this.active) return;
        const result = await this.requestReconcile();
        const reply = this.keys.reconcileReply(requestId);
        await this.redis.multi().lpush(reply, JSON.stringify(result)).expire(reply, 600).exec();
      }
    } catch (error) {
      this.options.log?.(`reminders: cannot answer a reconciliation request: ${(error as Error).message}`);
    }
  }

  /**
   * Told of events the projections have committed: the cases they touch are re-synced, except by
   * events that leave the case's state as it was (a note), which cannot change its reminders.
   */
  notify(events: readonly { readonly stream: string; readonly type: string }[]): void {
    if (!this.active) return;
    for (const { stream, type } of events) {
      const caseId = caseIdOfStream(stream);
      if (caseId !== undefined && !STATE_NEUTRAL_EVENTS.has(type as CaseEvent['type'])) this.dirty.add(caseId);
    }
    if (this.dirty.size > 0) this.kick();
  }

  /** Asks for a full reconciliation (as at start); resolves with its result. */
  requestReconcile(): Promise<ReconcileResult> {
    const result = new Promise<ReconcileResult>((resolve) => this.waiters.push(resolve));
    this.reconcileWanted = true;
    this.kick();
    return result;
  }

  /** Resolves when everything asked of it so far is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private kick(): void {
    if (this.draining || !this.active) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.active && (this.reconcileWanted || this.dirty.size > 0) && !this.retryTimer) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.active) {
      if (this.reconcileWanted) {
        this.reconcileWanted = false;
        try {
          const result = await this.reconcile();
          for (const resolve of this.waiters.splice(0)) resolve(result);
        } catch (error) {
          this.reconcileWanted = true;
          this.retryLater(`reminder reconciliation failed: ${(error as Error).message}`);
          return;
        }
        continue;
      }
      if (this.dirty.size === 0) return;
      const ids = [...this.dirty].slice(0, this.options.chunk ?? 500);
      for (const id of ids) this.dirty.delete(id);
      try {
        await this.syncCases(ids);
      } catch (error) {
        for (const id of ids) this.dirty.add(id);
        this.retryLater(`reminder scheduling failed: ${(error as Error).message}`);
        return;
      }
    }
  }

  private retryLater(message: string): void {
    this.options.log?.(`${message}; retrying in 1 s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, 1_000);
  }

  /** Re-derives the reminders of these cases from their streams and makes the jobs match. */
  async syncCases(given: readonly string[]): Promise<void> {
    const now = this.now();
    const desired = new Map<string, ReminderJob[]>();
    const streams = await Promise.all(given.map((caseId) => this.store.readStream(caseStream(caseId))));
    const breathe = breather();
    for (const [index, caseId] of given.entries()) {
      await breathe();
      try {
        desired.set(caseId, this.jobsOf(caseId, foldCaseEvents(streams[index]!), now));
      } catch (error) {
        // An event this code cannot read (a newer schema): leave the case's jobs as they are.
        this.options.log?.(`reminders: cannot fold case-${caseId}: ${(error as Error).message}`);
      }
    }
    const caseIds = [...desired.keys()];
    const read = this.redis.pipeline();
    for (const caseId of caseIds) read.smembers(this.keys.caseJobs(caseId));
    const held = (await read.exec())!.map(([error, ids]) => {
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
    await this.apply(add, remove);
    const write = this.redis.pipeline();
    for (const [caseId, jobs] of desired) {
      write.del(this.keys.caseJobs(caseId));
      if (jobs.length > 0) write.sadd(this.keys.caseJobs(caseId), ...jobs.map((job) => job.opts.jobId));
    }
    await write.exec();
  }

  /**
   * Re-derives every case's reminders from the event store and makes BullMQ match: adds what is
   * missing (after Redis was emptied, every one), removes scheduled jobs no case needs, and
   * rewrites the per-case records. Idempotent; safe to run at any time by the leader.
   */
  async reconcile(): Promise<ReconcileResult> {
    const started = Date.now();
    const states = new Map<string, CaseState>();
    for await (const event of this.store.readAll({ filter: { on: 'streamName', prefixes: [CASE_STREAM_PREFIX] } })) {
      const caseId = caseIdOfStream(event.stream)!;
      try {
        states.set(caseId, foldCaseEvents([event], states.get(caseId)));
      } catch (error) {
        this.options.log?.(
          `reminders: cannot fold ${event.stream} at revision ${event.revision}: ${(error as Error).message}`,
        );
      }
    }
    const read = Date.now();
    const now = this.now();
    const desired = new Map<string, ReminderJob>();
    const byCase = new Map<string, string[]>();
    let openCases = 0;
    const breathe = breather();
    for (const [caseId, state] of states) {
      await breathe();
      const jobs = this.jobsOf(caseId, state, now);
      if (jobs.length === 0) continue;
      openCases += 1;
      byCase.set(
        caseId,
        jobs.map((job) => job.opts.jobId),
      );
      for (const job of jobs) desired.set(job.opts.jobId, job);
    }
    const derived = Date.now();
    const existing = new Set(
      (await this.queue.getRanges(SCHEDULED_STATES, 0, -1)).filter((id) => id.startsWith('reminder-')),
    );
    const add = [...desired.values()].filter((job) => !existing.has(job.opts.jobId));
    const remove = [...existing].filter((id) => !desired.has(id));
    await this.apply(add, remove);
    const applied = Date.now();
    await this.rewriteCaseRecords(byCase);
    const result: ReconcileResult = {
      cases: states.size,
      openCases,
      reminders: desired.size,
      added: add.length,
      removed: remove.length,
      elapsedMs: Date.now() - started,
      phasesMs: {
        read: read - started,
        derive: derived - read,
        jobs: applied - derived,
        records: Date.now() - applied,
      },
    };
    this.options.log?.(`reminders reconciled: ${JSON.stringify(result)}`);
    return result;
  }

  private jobsOf(caseId: string, state: CaseState, now: Date): ReminderJob[] {
    return this.options.pendingOf(state, now).map((reminder) => reminderJob(caseId, reminder, now.getTime()));
  }

  /** Adds in bulk (an existing id is left as it is) and removes (a job running now is left to its re-check). */
  private async apply(add: readonly ReminderJob[], remove: readonly string[]): Promise<void> {
    // A few bulks in flight at once, so Redis works while the next is serialised.
    const chunks: ReminderJob[][] = [];
    for (let start = 0; start < add.length; start += 1_000) chunks.push(add.slice(start, start + 1_000));
    const addChunks = async () => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        // Delays count from the moment of adding.
        const now = this.now().getTime();
        await this.queue.addBulk(
          chunk.map((job) => ({
            ...job,
            opts: { ...job.opts, delay: Math.max(0, Date.parse(firesAt(job.data)) - now) },
          })),
        );
      }
    };
    await Promise.all([addChunks(), addChunks(), addChunks(), addChunks()]);
    await Promise.all(remove.map((id) => this.queue.remove(id).catch(() => 0)));
  }

  private async rewriteCaseRecords(byCase: ReadonlyMap<string, readonly string[]>): Promise<void> {
    // Drop records of cases that hold nothing now, then write the rest afresh.
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.caseJobsPattern, 'COUNT', 1_000);
      cursor = next;
      const stale = keys.filter((key) => !byCase.has(key.slice(this.keys.caseJobs('').length)));
      if (stale.length > 0) await this.redis.del(...stale);
    } while (cursor !== '0');
    let write = this.redis.pipeline();
    for (const [caseId, ids] of byCase) {
      write.del(this.keys.caseJobs(caseId)).sadd(this.keys.caseJobs(caseId), ...ids);
      if (write.length >= 2_000) {
        await write.exec();
        write = this.redis.pipeline();
      }
    }
    await write.exec();
  }
}

/**
 * Deriving a case's reminders can take milliseconds (an old case walks its repeats up to now), and
 * the projections share this thread: between cases, give the event loop a turn every 10 ms.
 */
function breather(everyMs = 10): () => Promise<void> {
  let since = Date.now();
  return async () => {
    if (Date.now() - since < everyMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = Date.now();
  };
}
