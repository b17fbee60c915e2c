import type Redis from 'ioredis';
import { comparePositions, formatPosition, type EventStore, type Position } from '@app/event-store';
import { activeGeneration, deleteGenerations, nextGeneration } from './generations';
import { lastPosition, replayHistory, type ReplayFailure } from './replay';
import { projectionKeys, ReadModelKeys } from './keys';
import { LeaseLock } from '@app/platform/redis/lease-lock';
import { replayHistoryInParallel, type ParallelReplayOptions } from './parallel-replay';
import type { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

export interface RebuildOptions {
  readonly root: string;
  /** Events per batch once history is folded and the runner catches up. */
  readonly batchSize?: number;
  /** Events of history replayed between two writes to Redis. */
  readonly replayBatchSize?: number;
  readonly log?: (message: string) => void;
  /** Called about once a second. */
  readonly progress?: (progress: RebuildProgress) => void;
  /** Replay the history in worker threads, one per partition of the streams (else in this thread). */
  readonly parallel?: ParallelReplayOptions;
}

/** How far a rebuild has gone: events of history folded, then the runner catching up. */
export type RebuildProgress =
  | { readonly phase: 'history'; readonly events: number; readonly head: string }
  | { readonly phase: 'catching up'; readonly checkpoint: string | null; readonly head: string | null };

export interface RebuildResult {
  readonly generation: number;
  readonly previousGeneration: number;
  /** The last event in the store when the new generation was declared caught up. */
  readonly head: string | null;
  readonly elapsedMs: number;
}

export class RebuildFailed extends Error {
  override readonly name = 'RebuildFailed';
}

const describe = (failure: ReplayFailure) =>
  `${failure.projection} cannot handle ${failure.eventType} at ${failure.position} in ${failure.stream}: ${failure.error}`;

/**
 * Builds every projection afresh, from position zero, in a new generation beside the live one
 * (queries keep reading the live one), until it has caught up with the store; then switches
 * readers to it in one step (`SET active`). The live worker notices and carries on from the new
 * generation's checkpoints. One rebuild at a time (a lease lock); a failed one leaves the live
 * generation as it was and deletes what it built.
 */
export async function rebuildReadModels(
  store: EventStore,
  redis: Redis,
  projections: readonly Projection[],
  options: RebuildOptions,
): Promise<RebuildResult> {
  const started = Date.now();
  const keys = new ReadModelKeys(options.root);
  const lock = new LeaseLock(redis, keys.rebuildLock, 30_000);
  if (!(await lock.tryAcquire())) throw new RebuildFailed('another rebuild is running');
  const renewal = setInterval(() => void lock.renew().catch(() => undefined), 10_000);
  const previousGeneration = await activeGeneration(redis, keys);
  const generation = await nextGeneration(redis, keys);
  let switched = false;
  try {
    // Generations above the active one are left by rebuilds that did not finish.
    await deleteGenerations(redis, keys, (g) => g > previousGeneration && g !== generation);
    await redis.set(keys.building, String(generation));
    options.log?.(`rebuilding read models into generation ${generation} (readers stay on ${previousGeneration})`);
    // History up to the head as it is now, replayed stream by stream; then the runner, from
    // checkpoints at that head, catches up with what was appended meanwhile.
    const prefix = keys.generation(generation);
    const historyHead = await lastPosition(store);
    if (historyHead) {
      const head = formatPosition(historyHead);
      const replay = {
        prefix,
        head: historyHead,
        batchSize: options.replayBatchSize,
        progress: (events: number) => options.progress?.({ phase: 'history', events, head }),
      };
      const { events, failures } = options.parallel
        ? await replayHistoryInParallel(projections, { ...replay, parallel: options.parallel })
        : await replayHistory(store, redis, projections, replay);
      if (failures.length > 0) throw new RebuildFailed(`projections stopped: ${failures.map(describe).join('; ')}`);
      await redis.mset(projections.flatMap((projection) => [projectionKeys(prefix, projection.name).checkpoint, head]));
      options.log?.(`replayed ${events} events of history up to ${head}`);
    }
    const runner = new ProjectionRunner(store, redis, projections, {
      prefix,
      batchSize: options.batchSize ?? 5_000,
      log: options.log,
    });
    await runner.start();
    let head: Position | undefined;
    try {
      let lastReport = Date.now();
      for (;;) {
        head = await lastPosition(store);
        const stopped = runner.instances.filter((instance) => instance.stopped);
        if (stopped.length > 0) {
          const statuses = await runner.statuses();
          throw new RebuildFailed(
            `projections stopped: ${JSON.stringify(statuses.filter((s) => s.state === 'stopped'))}`,
          );
        }
        const behind = runner.instances.filter(
          (instance) => head && (!instance.checkpoint || comparePositions(instance.checkpoint, head) < 0),
        );
        if (behind.length === 0) break;
        if (Date.now() - lastReport >= 1_000) {
          lastReport = Date.now();
          options.progress?.({
            phase: 'catching up',
            checkpoint: behind[0]!.formatCheckpoint(),
            head: head ? formatPosition(head) : null,
          });
        }
        await Promise.race([runner.stopped(), new Promise((resolve) => setTimeout(resolve, 20))]);
      }
    } finally {
      await runner.stop();
    }
    await runner.stopped();
    await redis.multi().set(keys.active, String(generation)).del(keys.building).exec();
    switched = true;
    options.log?.(`read models switched to generation ${generation}`);
    return {
      generation,
      previousGeneration,
      head: head ? formatPosition(head) : null,
      elapsedMs: Date.now() - started,
    };
  } finally {
    clearInterval(renewal);
    if (!switched) {
      await redis.del(keys.building);
      await deleteGenerations(redis, keys, (g) => g === generation);
    }
    await lock.release();
  }
}
