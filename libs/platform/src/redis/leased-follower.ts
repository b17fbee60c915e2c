import {
  followInBatches,
  type EventFilter,
  type EventStore,
  type Position,
  type RecordedEvent,
} from '@app/event-store';
import { type LeaseLock } from './lease-lock';

/** The lease as one holding of it sees it. */
export interface HeldLease {
  /** A renewal found the lease gone (it ran out, or was seized): the holding ends. */
  readonly lost: boolean;
  /** Neither lost nor stopping: worth going on. */
  readonly active: boolean;
  /** Waits `ms`, or less if the lease is lost or the follower stops. */
  pause(ms: number): Promise<void>;
}

/** What one holding of the lease works with: made when the lease is taken, closed when it is given up. */
export interface FollowerHolding {
  /** Readies the holding before it follows (read a checkpoint, reconcile, check what it resumes). */
  start(): Promise<void>;
  /** Where to follow `$all` from (exclusive); asked at each subscription. */
  from(): Position | 'start';
  /** Handles one batch of the events after `from()`, moving the checkpoint past them. */
  handle(batch: readonly RecordedEvent[]): Promise<void>;
  /**
   * After a failed batch: makes the holding ready to follow again from `from()` after a pause,
   * or rethrows to end the holding. Without it, any error ends the holding.
   */
  recover?(error: unknown): Promise<void>;
  /** Gives up what the holding opened, however it ended; before the lease is released. */
  close(): Promise<void> | void;
}

export interface LeasedFollowerOptions<H extends FollowerHolding> {
  /** Makes the holding for each time the lease is taken: cheap, the work is in `start`. */
  readonly open: (lease: HeldLease) => H;
  /** Said first in each log line (`reminders`, `audit tree`). */
  readonly name: string;
  /** What it says when a renewal found the lease gone. */
  readonly lostMessage: string;
  readonly log: (message: string) => void;
  /** Only these events of `$all`. */
  readonly filter?: EventFilter;
  /** The most events handed to `handle` at once. */
  readonly batchSize?: number;
  /** How long to wait after an error, and between tries for the lease (1 s). */
  readonly retryMs?: number;
  /** Says an error that ended a holding its own way and returns how long to wait; `undefined`: the usual line. */
  readonly failed?: (error: unknown) => number | undefined;
}

/**
 * One process at a time follows `$all`, whichever holds `lease`, in one serial loop: try for the
 * lease until it is taken, make a holding and `start` it, then follow `$all` from the holding's
 * checkpoint in batches until stopped or the lease is lost. The lease is renewed on a timer of its
 * own every third of it, and a renewal that finds it gone interrupts what the loop waits on (the
 * holding's writes must still be fenced: the loss is seen only at a renewal). A failed batch is
 * retried from the checkpoint after a pause if the holding can `recover`; otherwise the holding
 * ends, the lease is released, and the loop tries again after a pause.
 */
export class LeasedFollower<H extends FollowerHolding> {
  private readonly retryMs: number;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** End what the loop waits on: the live subscription, a pause. */
  private readonly interrupts = new Set<() => void>();

  constructor(
    private readonly store: EventStore,
    readonly lease: LeaseLock,
    private readonly options: LeasedFollowerOptions<H>,
  ) {
    this.retryMs = options.retryMs ?? 1_000;
  }

  /** Runs the loop: tries for the lease until it holds it, then follows until stopped or the lease is lost. */
  start(): void {
    this.stopping = false;
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  /** Ends the loop after the batch in progress, and gives the lease up. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.interrupt();
    await this.running;
  }

  /** Takes the lease whoever holds it (their fenced writes fail from now on), runs `work` on a holding, gives it up. */
  async seize<T>(work: (holding: H) => Promise<T>): Promise<T> {
    await this.lease.seize();
    return this.holding(work);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let wait: number | undefined = this.retryMs;
      try {
        if (await this.lease.tryAcquire()) await this.holding((holding, lease) => this.lead(holding, lease));
      } catch (error) {
        wait = this.options.failed?.(error);
        if (wait === undefined) {
          wait = this.retryMs;
          this.options.log(`${this.options.name}: ${(error as Error).message}; trying again in ${wait} ms`);
        }
      }
      if (!this.stopping) await this.pause(wait);
    }
  }

  /** Runs `work` on a new holding while the lease (taken) is renewed; then closes it and releases the lease. */
  private async holding<T>(work: (holding: H, lease: HeldLease) => Promise<T>): Promise<T> {
    const stopping = () => this.stopping;
    const lease = {
      lost: false,
      get active() {
        return !this.lost && !stopping();
      },
      pause: (ms: number) => this.pause(ms),
    };
    const renewal = setInterval(
      () =>
        void this.lease.renew().then(
          (kept) => {
            if (!kept) {
              lease.lost = true;
              this.interrupt();
            }
          },
          () => undefined, // Redis unreachable: the next renewal tells
        ),
      Math.max(20, Math.floor(this.lease.leaseMs / 3)),
    );
    const holding = this.options.open(lease);
    try {
      return await work(holding, lease);
    } finally {
      clearInterval(renewal);
      await holding.close();
      await this.lease.release().catch(() => undefined);
    }
  }

  private async lead(holding: H, lease: HeldLease): Promise<void> {
    await holding.start();
    while (lease.active) {
      try {
        await this.follow(holding, lease);
      } catch (error) {
        if (!holding.recover) throw error;
        await holding.recover(error);
        await this.pause(this.retryMs);
      }
    }
    if (lease.lost) this.options.log(`${this.options.name}: ${this.options.lostMessage}`);
  }

  /** Follows `$all` from the holding's checkpoint until interrupted. */
  private async follow(holding: H, lease: HeldLease): Promise<void> {
    const subscription = this.store.subscribeToAll({ fromPosition: holding.from(), filter: this.options.filter });
    const unsubscribe = () => void subscription.unsubscribe();
    this.interrupts.add(unsubscribe);
    try {
      await followInBatches(subscription, this.options.batchSize ?? 1_000, async (batch) => {
        if (!lease.active) return false;
        await holding.handle(batch);
        return lease.active;
      });
    } finally {
      this.interrupts.delete(unsubscribe);
    }
  }

  private interrupt(): void {
    for (const interrupt of this.interrupts) interrupt();
  }

  private pause(ms: number): Promise<void> {
    const interrupts = this.interrupts;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      interrupts.add(done);
      function done() {
        clearTimeout(timer);
        interrupts.delete(done);
        resolve();
      }
    });
  }
}
