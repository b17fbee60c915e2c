import type Redis from 'ioredis';
import {
  comparePositions,
  formatPosition,
  parsePosition,
  type EventStore,
  type Position,
  type Subscription,
  followInBatches,
} from '@app/event-store';

import { lastPosition } from './replay';
import type { Command } from './outputs-diff';
import { ProjectionInstance, type PreparedBatch } from './projection-instance';
import type { ProjectedEvent, Projection, ProjectionStatus } from './projection';
import { toProjectedEvent } from './projected-event';

export interface ProjectionRunnerOptions {
  /** The generation's key prefix (see `ReadModelKeys.generation`). */
  readonly prefix: string;
  readonly batchSize?: number;
  readonly log?: (message: string) => void;
}

/** Another process wrote this generation's checkpoints: this runner must stop writing. */
export class FencedOut extends Error {
  override readonly name = 'FencedOut';
}

/**
 * Runs a set of projections over one catch-up subscription to `$all`, from the lowest of their
 * checkpoints. Each batch of events is written in ONE Redis transaction: every projection's
 * changes, entity states and new checkpoint. The transaction WATCHes the checkpoints it read, so
 * if another worker wrote them in the meantime (a lost lock) it aborts and nothing is applied
 * twice. An event a projection cannot handle stops that projection (recorded in its status with
 * the event's position, and logged); the others go on. Never skipped: a restart retries it.
 *
 * A projection it starts without a checkpoint while the store has events is replaying from zero:
 * it marks it so (`replayingTo`, the head it must reach) and clears the mark in the transaction of
 * the batch that reaches it, so queries refuse to read it until then (`readiness.ts`).
 */
export class ProjectionRunner {
  readonly instances: ProjectionInstance[];
  private subscription: Subscription | undefined;
  private running: Promise<void> | undefined;
  private connection: Redis | undefined;
  private failure: Error | undefined;
  /** The head each projection replaying from zero must reach before it may be read. */
  private readonly replayTargets = new Map<ProjectionInstance, Position>();

  constructor(
    private readonly store: EventStore,
    private readonly redis: Redis,
    projections: readonly Projection[],
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.instances = projections.map((projection) => new ProjectionInstance(projection, options.prefix));
  }

  /** Reads the checkpoints and subscribes; resolves once running. `stopped()` resolves when it ends. */
  async start(): Promise<void> {
    // WATCH belongs to a connection: the runner has one of its own.
    this.connection = await ready(this.redis.duplicate());
    const saved = await this.connection.mget(
      ...this.instances.flatMap((instance) => [instance.keys.checkpoint, instance.keys.replayingTo]),
    );
    this.instances.forEach((instance, index) => {
      const text = saved[index * 2];
      const position = text ? parsePosition(text) : undefined;
      if (text && !position) throw new Error(`${instance.keys.checkpoint} holds "${text}", not a position`);
      instance.checkpoint = position;
      instance.stopped = false;
      instance.reset();
    });
    await this.connection.del(...this.instances.map((instance) => instance.keys.status));
    await this.markReplays(saved.filter((_, index) => index % 2 === 1));
    const lowest = this.lowestCheckpoint();
    this.subscription = this.store.subscribeToAll({ fromPosition: lowest ?? 'start' });
    this.running = this.consume(this.subscription);
  }

  /** Resolves when the runner has ended; rejects with what ended it if it was not `stop()`. */
  async stopped(): Promise<void> {
    await this.running;
    if (this.failure) throw this.failure;
  }

  async stop(): Promise<void> {
    await this.subscription?.unsubscribe();
    await this.running;
  }

  async statuses(): Promise<ProjectionStatus[]> {
    return readStatuses(this.redis, this.instances);
  }

  /**
   * Marks the projections that replay from zero (no checkpoint while the store has events) with
   * the head they must reach; keeps the head of a mark an earlier runner left. On an empty store,
   * marks them started empty instead.
   */
  private async markReplays(marks: readonly (string | null)[]): Promise<void> {
    this.replayTargets.clear();
    const fresh = this.instances.some((instance, index) => !instance.checkpoint && !marks[index]);
    const head = fresh ? await lastPosition(this.store) : undefined;
    const toMark: string[] = [];
    const reached: string[] = [];
    this.instances.forEach((instance, index) => {
      const mark = marks[index];
      // Started on an empty store: built, with nothing in it (readiness.ts), whatever comes next.
      if (fresh && head === undefined && !instance.checkpoint && !mark) toMark.push(instance.keys.startedEmpty, '1');
      const target = mark ? parsePosition(mark) : !instance.checkpoint ? head : undefined;
      if (!target) return;
      if (instance.checkpoint && comparePositions(instance.checkpoint, target) >= 0)
        reached.push(instance.keys.replayingTo);
      else {
        if (!mark) toMark.push(instance.keys.replayingTo, formatPosition(target));
        this.replayTargets.set(instance, target);
      }
    });
    if (toMark.length > 0) await this.connection!.mset(...toMark);
    if (reached.length > 0) await this.connection!.del(...reached);
  }

  private lowestCheckpoint(): Position | undefined {
    let lowest: Position | undefined;
    for (const instance of this.instances) {
      if (!instance.checkpoint) return undefined;
      if (!lowest || comparePositions(instance.checkpoint, lowest) < 0) lowest = instance.checkpoint;
    }
    return lowest;
  }

  private async consume(subscription: Subscription): Promise<void> {
    const connection = this.connection!;
    try {
      await followInBatches(subscription, this.options.batchSize ?? 2_000, async (recorded) => {
        await this.write(recorded.map(toProjectedEvent), connection);
        return !this.instances.every((instance) => instance.stopped);
      });
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(JSON.stringify(error));
      for (const instance of this.instances) instance.reset();
      this.options.log?.(`projections stopped: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      connection.disconnect();
    }
  }

  private async write(events: ProjectedEvent[], connection: Redis): Promise<void> {
    const live = this.instances.filter((instance) => !instance.stopped);
    // Side by side: the states they lack are read in one round trip, not one per projection.
    const prepared = await Promise.all(
      live.map(async (instance): Promise<[ProjectionInstance, Prepared]> => {
        // After a restart from the lowest checkpoint, a projection skips the events it already has.
        const from = instance.checkpoint;
        const mine = from ? events.filter((event) => comparePositions(event.position, from) > 0) : events;
        const batch = await instance.prepare(mine, connection);
        const last = batch.failure ? mine[batch.failure.index - 1] : mine.at(-1);
        return [instance, { ...batch, checkpoint: last?.position ?? from }];
      }),
    );

    // The fence: the checkpoints must still be the ones this runner last read or wrote. (WATCH and
    // the read go together: Redis runs them in the order sent.)
    const checkpointKeys = live.map((instance) => instance.keys.checkpoint);
    const [, current] = await Promise.all([connection.watch(...checkpointKeys), connection.mget(...checkpointKeys)]);
    if (live.some((instance, index) => (current[index] ?? null) !== instance.formatCheckpoint())) {
      await connection.unwatch();
      throw new FencedOut('another worker has written these read models');
    }
    const tx = connection.multi();
    const replayed: ProjectionInstance[] = [];
    for (const [instance, batch] of prepared) {
      for (const command of batch.commands) queue(tx, command);
      if (batch.checkpoint) tx.set(instance.keys.checkpoint, formatPosition(batch.checkpoint));
      if (batch.failure) tx.set(instance.keys.status, JSON.stringify(stoppedStatus(instance, batch)));
      const target = this.replayTargets.get(instance);
      if (target && batch.checkpoint && comparePositions(batch.checkpoint, target) >= 0) {
        tx.del(instance.keys.replayingTo);
        replayed.push(instance);
      }
    }
    const results = await tx.exec();
    if (!results) throw new FencedOut('another worker wrote these read models during the batch');
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0]!;
    for (const instance of replayed) this.replayTargets.delete(instance);
    for (const [instance, batch] of prepared) {
      batch.commit();
      instance.checkpoint = batch.checkpoint;
      if (batch.failure) {
        instance.stopped = true;
        const { event, error } = batch.failure;
        this.options.log?.(
          `projection ${instance.name} stopped at ${formatPosition(event.position)} (${event.type} in ${event.stream}): ${error}`,
        );
      }
    }
  }
}

/** A batch prepared for one projection, with the checkpoint it moves the projection to. */
type Prepared = PreparedBatch & { readonly checkpoint: Position | undefined };

function queue(tx: ReturnType<Redis['multi']>, [name, ...args]: Command): void {
  tx.call(name, ...args);
}

function stoppedStatus(instance: ProjectionInstance, batch: Prepared): ProjectionStatus {
  const { event, error } = batch.failure!;
  return {
    name: instance.name,
    state: 'stopped',
    checkpoint: batch.checkpoint ? formatPosition(batch.checkpoint) : null,
    failedAt: formatPosition(event.position),
    stream: event.stream,
    eventType: event.type,
    error,
  };
}

export async function readStatuses(
  redis: Redis,
  instances: readonly Pick<ProjectionInstance, 'name' | 'keys'>[],
): Promise<ProjectionStatus[]> {
  const keys = instances.flatMap((instance) => [instance.keys.checkpoint, instance.keys.status]);
  const values = await redis.mget(...keys);
  return instances.map((instance, index) => {
    const status = values[index * 2 + 1];
    if (status) return JSON.parse(status) as ProjectionStatus;
    return { name: instance.name, state: 'running', checkpoint: values[index * 2] ?? null };
  });
}

/** Resolves once the connection can take commands (clients may be set not to queue them offline). */
async function ready(connection: Redis): Promise<Redis> {
  if (connection.status === 'ready') return connection;
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      connection.disconnect();
      reject(error);
    };
    connection.once('ready', () => {
      connection.off('error', failed);
      resolve();
    });
    connection.once('error', failed);
  });
  return connection;
}
