import type Redis from 'ioredis';
import { formatPosition, parsePosition, type EventStore, type Subscription } from '@app/event-store';
import type { Projection, ProjectionStatus } from './projection';

export interface ProjectionRunnerOptions {
  /** Prefix of every key (a rebuild will run a second version beside the live one). */
  readonly keyPrefix: string;
  /** Record the checkpoint after this many events the projection does not read. */
  readonly skippedCheckpointEvery?: number;
  readonly log?: (message: string) => void;
}

/**
 * Runs one projection: a catch-up subscription to `$all` from its checkpoint. Each event it reads
 * is applied together with the new checkpoint in one Redis transaction. An event it cannot apply
 * stops this projection (the others go on), is recorded with its position in the projection's
 * status and logged, and is never skipped: after a fix, a restart resumes at that same event.
 */
export class ProjectionRunner {
  private subscription: Subscription | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly redis: Redis,
    private readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions,
  ) {}

  get checkpointKey(): string {
    return `${this.options.keyPrefix}:projection:${this.projection.name}:checkpoint`;
  }

  get statusKey(): string {
    return `${this.options.keyPrefix}:projection:${this.projection.name}:status`;
  }

  async status(): Promise<ProjectionStatus> {
    const [checkpoint, stored] = await Promise.all([
      this.redis.get(this.checkpointKey),
      this.redis.get(this.statusKey),
    ]);
    return stored ? (JSON.parse(stored) as ProjectionStatus) : { state: 'running', checkpoint };
  }

  /** Starts from the checkpoint; resolves once subscribed. `stopped()` resolves when it ends. */
  async start(): Promise<void> {
    const saved = await this.redis.get(this.checkpointKey);
    const from = saved ? parsePosition(saved) : undefined;
    if (saved && !from) throw new Error(`${this.checkpointKey} holds "${saved}", which is not a position`);
    await this.redis.del(this.statusKey);
    this.subscription = this.store.subscribeToAll({ fromPosition: from ?? 'start' });
    this.running = this.consume(this.subscription);
  }

  stopped(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.subscription?.unsubscribe();
    await this.stopped();
  }

  private async consume(subscription: Subscription): Promise<void> {
    const every = this.options.skippedCheckpointEvery ?? 500;
    let skipped = 0;
    for await (const event of subscription) {
      const position = formatPosition(event.position);
      if (!this.projection.handles(event)) {
        if (++skipped >= every) {
          skipped = 0;
          await this.redis.set(this.checkpointKey, position);
        }
        continue;
      }
      skipped = 0;
      try {
        const tx = this.redis.multi();
        await this.projection.apply(event, tx, this.redis);
        tx.set(this.checkpointKey, position);
        const results = await tx.exec();
        const failed = results?.find(([error]) => error);
        if (!results || failed) throw failed?.[0] ?? new Error('the Redis transaction was discarded');
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const status: ProjectionStatus = {
          state: 'stopped',
          checkpoint: await this.redis.get(this.checkpointKey),
          failedAt: position,
          eventType: event.type,
          error: message,
        };
        await this.redis.set(this.statusKey, JSON.stringify(status));
        this.options.log?.(`projection ${this.projection.name} stopped at ${position} (${event.type}): ${message}`);
        await subscription.unsubscribe();
        return;
      }
    }
  }
}
