import type Redis from 'ioredis';
import type { EventStore } from '@app/event-store';
import { activeGeneration, deleteGenerations } from './generations';
import { ReadModelKeys } from './keys';
import { LeaseLock } from './lease-lock';
import type { ProjectedEvent, Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

export interface ProjectionWorkerOptions {
  readonly root: string;
  /** How long the lock outlives its holder: another worker takes over within about this long. */
  readonly leaseMs?: number;
  /** How long an old generation is kept after readers moved off it (queries in flight). */
  readonly oldGenerationGraceMs?: number;
  readonly batchSize?: number;
  readonly log?: (message: string) => void;
  /** Work that follows the live projections in whichever process runs them (the reminder scheduler). */
  readonly followers?: readonly ProjectionFollower[];
}

/** Something that runs beside the live projections, in the process holding the lock. */
export interface ProjectionFollower {
  /** This process runs the projections now (it took the lock, or restarted them after a failure). */
  lead(): void;
  /** Told of every batch the projections committed. */
  notify(events: readonly ProjectedEvent[]): void;
  /** This process no longer runs them (lost the lock, or is stopping). */
  follow(): Promise<void>;
}

/**
 * Runs the live projections in exactly one process at a time: whoever holds the Redis lease lock
 * runs them for the active generation, renews the lease every third of it, and stops at once if
 * it finds the lock gone. The others keep trying, so one takes over within a lease of the holder
 * dying. It follows `active`: when a rebuild switches readers to a new generation, it goes on
 * from that generation's checkpoints and, after a grace period, deletes the old one.
 */
export class ProjectionWorker {
  private readonly keys: ReadModelKeys;
  private readonly lock: LeaseLock;
  private runner: ProjectionRunner | undefined;
  private generation: number | undefined;
  private holding = false;
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private stopping = false;
  private oldGenerationsSince: number | undefined;

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
    const every = Math.max(50, Math.floor(this.lock.leaseMs / 5));
    const loop = () => {
      this.tick = this.step()
        .catch((error: unknown) => this.options.log?.(`projection worker: ${(error as Error).message}`))
        .finally(() => {
          if (!this.stopping) this.timer = setTimeout(loop, every);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.tick;
    await this.stopRunner();
    await this.unfollow();
    if (this.holding) await this.lock.release().catch(() => undefined);
    this.holding = false;
  }

  private async unfollow(): Promise<void> {
    await Promise.all((this.options.followers ?? []).map((follower) => follower.follow()));
  }

  private async step(): Promise<void> {
    if (this.holding) {
      if (!(await this.lock.renew())) {
        this.options.log?.('projection worker: lost the projections lock; stopping them here');
        this.holding = false;
        await this.stopRunner();
        await this.unfollow();
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
      // A new leader, or a restart after a failure (a batch may have been committed unannounced).
      const lead = !this.runner || failed;
      await this.stopRunner();
      const followers = this.options.followers ?? [];
      const runner = new ProjectionRunner(this.store, this.redis, this.projections, {
        prefix: this.keys.generation(active),
        batchSize: this.options.batchSize,
        log: this.options.log,
        onBatch: (events) => followers.forEach((follower) => follower.notify(events)),
      });
      if (lead) followers.forEach((follower) => follower.lead());
      await runner.start();
      this.runner = runner;
      this.generation = active;
    }
    const grace = this.options.oldGenerationGraceMs ?? 30_000;
    if (this.oldGenerationsSince !== undefined && Date.now() - this.oldGenerationsSince >= grace) {
      this.oldGenerationsSince = undefined;
      const deleted = await deleteGenerations(this.redis, this.keys, (generation) => generation < active);
      this.options.log?.(`projection worker: deleted ${deleted} keys of generations before ${active}`);
    }
  }

  private async stopRunner(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    this.generation = undefined;
    await runner?.stop();
  }
}

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
