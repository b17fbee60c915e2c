import type Redis from 'ioredis';
import type { EventStore } from '@app/event-store';
import { activeGeneration, deleteGenerations } from './generations';
import { ReadModelKeys } from './keys';
import { LeaseLock } from '@app/platform/redis/lease-lock';
import type { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

export interface ProjectionWorkerOptions {
  readonly root: string;
  /** How long the lock outlives its holder: another worker takes over within about this long. */
  readonly leaseMs?: number;
  /** How long an old generation is kept after readers moved off it (queries in flight). */
  readonly oldGenerationGraceMs?: number;
  readonly batchSize?: number;
  readonly log?: (message: string) => void;
}

/**
 * Runs the live projections in exactly one process at a time: whoever holds the Redis lease lock
 * runs them for the active generation, renews the lease every third of it, and stops at once if
 * it finds the lock gone. The others keep trying, so one takes over within a lease of the holder
 * dying. It follows `active`: when a rebuild switches readers to a new generation, it goes on
 * from that generation's checkpoints and, after a grace period, deletes the old one.
 *
 * The lease is renewed on a timer of its own, never by the step: a step can outlast the lease
 * (stopping a runner waits for its batch in flight), and a holder that let its lease lapse that
 * way lost the lock just after a rebuild, leaving nobody projecting the new generation while
 * reads at the head waited out `READ_WAIT_MS`. The old generation is deleted beside the steps,
 * not in one, for the same reason: a SCAN over a large keyspace takes seconds under load.
 */
export class ProjectionWorker {
  private readonly keys: ReadModelKeys;
  private readonly lock: LeaseLock;
  private runner: ProjectionRunner | undefined;
  private generation: number | undefined;
  private holding = false;
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  /** The first step after `start` (see `started`). */
  private firstStep: Promise<void> = Promise.resolve();
  private stopping = false;
  private oldGenerationsSince: number | undefined;
  private renewal: NodeJS.Timeout | undefined;
  /** Set when a renewal found the lock gone; the next step stops the projections here. */
  private lostLock = false;
  private sweeping: Promise<void> | undefined;
  private sweepAbort = new AbortController();
  /** When the step in progress began (undefined between steps). */
  private stepSince: number | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly redis: Redis,
    private readonly projections: readonly Projection[],
    private readonly options: ProjectionWorkerOptions,
  ) {
    this.keys = new ReadModelKeys(options.root);
    this.lock = new LeaseLock(redis, this.keys.lock, options.leaseMs ?? 5_000);
  }

  get isLeader(): boolean {
    return this.holding;
  }

  start(): void {
    this.sweepAbort = new AbortController();
    this.renewal = setInterval(() => void this.renewLease(), Math.max(20, Math.floor(this.lock.leaseMs / 3)));
    const every = Math.max(50, Math.floor(this.lock.leaseMs / 5));
    const loop = () => {
      this.stepSince = Date.now();
      this.tick = this.step()
        .catch((error: unknown) => this.options.log?.(`projection worker: ${(error as Error).message}`))
        .finally(() => {
          this.stepSince = undefined;
          if (!this.stopping) this.timer = setTimeout(loop, every);
        });
    };
    loop();
    this.firstStep = this.tick;
  }

  /**
   * Resolves once the first step after `start` has run: this process either holds the lock and
   * runs the projections (each marked, if it had no checkpoint, as replaying or started empty:
   * see `readiness.ts`), or another holds it. A server that listens only after this never has a
   * store's first commands read as a read model missing.
   */
  started(): Promise<void> {
    return this.firstStep;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.sweepAbort.abort();
    await this.tick;
    await this.sweeping;
    clearInterval(this.renewal);
    await this.stopRunner();
    if (this.holding) await this.lock.release().catch(() => undefined);
    this.holding = false;
  }

  /**
   * Renews the lease while this process holds the lock, unless a step has hung for many leases
   * (then the lease lapses and another worker takes over, as if this one had died).
   */
  private async renewLease(): Promise<void> {
    if (!this.holding || this.lostLock) return;
    if (this.stepSince !== undefined && Date.now() - this.stepSince > STUCK_STEP_LEASES * this.lock.leaseMs) return;
    // A renewal that fails (Redis unreachable) says nothing yet: the next one tells.
    if (!(await this.lock.renew().catch(() => true))) this.lostLock = true;
  }

  private async step(): Promise<void> {
    if (this.holding) {
      if (this.lostLock) {
        this.lostLock = false;
        this.options.log?.('projection worker: lost the projections lock; stopping them here');
        this.holding = false;
        await this.stopRunner();
        return;
      }
    } else {
      this.holding = await this.lock.tryAcquire();
      if (!this.holding) return;
      this.options.log?.('projection worker: holds the projections lock; running the projections');
      this.oldGenerationsSince ??= Date.now(); // a previous holder may have left an old generation
    }
    await this.redis.set(this.keys.active, '1', 'NX');
    const active = await activeGeneration(this.redis, this.keys);
    const failed = this.runner && (await settledWithError(this.runner));
    if (active !== this.generation || failed) {
      if (active !== this.generation && this.generation !== undefined) this.oldGenerationsSince = Date.now();
      await this.stopRunner();
      const runner = new ProjectionRunner(this.store, this.redis, this.projections, {
        prefix: this.keys.generation(active),
        batchSize: this.options.batchSize,
        log: this.options.log,
      });
      await runner.start();
      this.runner = runner;
      this.generation = active;
    }
    const grace = this.options.oldGenerationGraceMs ?? 30_000;
    if (this.oldGenerationsSince !== undefined && Date.now() - this.oldGenerationsSince >= grace && !this.sweeping) {
      this.oldGenerationsSince = undefined;
      // Generation 1 has none before it.
      if (active > 1) this.sweeping = this.sweep(active).finally(() => (this.sweeping = undefined));
    }
  }

  private async sweep(active: number): Promise<void> {
    try {
      const deleted = await deleteGenerations(
        this.redis,
        this.keys,
        (generation) => generation < active,
        this.sweepAbort.signal,
      );
      this.options.log?.(`projection worker: deleted ${deleted} keys of generations before ${active}`);
    } catch (error) {
      this.oldGenerationsSince ??= Date.now(); // try again after another grace period
      this.options.log?.(`projection worker: could not delete old generations: ${(error as Error).message}`);
    }
  }

  private async stopRunner(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    this.generation = undefined;
    await runner?.stop();
  }
}

/** A step running for this many leases has hung: its lease is no longer renewed. */
const STUCK_STEP_LEASES = 12;

/** True when the runner has ended on an error (Redis went away, or it was fenced out). */
async function settledWithError(runner: ProjectionRunner): Promise<boolean> {
  const outcome = await Promise.race([
    runner.stopped().then(
      () => 'ended',
      () => 'failed',
    ),
    new Promise((resolve) => setImmediate(resolve, 'running')),
  ]);
  return outcome === 'failed';
}
