import type { EventStore } from '@app/event-store';
import { lastPosition } from './replay';
import { projectionKeys } from './keys';

/**
 * A projection whose read model in the generation readers use is NOT BUILT: it must not be read,
 * because an empty answer from it (no cases, empty queues) would mean "not built yet", not "none".
 *
 * The rule, for each projection a query reads:
 * - it is replaying from position zero: a runner found it without a checkpoint while the event
 *   store held events, and recorded the store's head at that moment (`replayingTo`). It stays not
 *   built until its checkpoint reaches that head; the runner clears the mark in the same
 *   transaction as the batch that gets there; or
 * - it has no checkpoint while the event store's head is past zero: Redis was emptied (or this
 *   generation was never built) and no runner has started replaying it yet; unless a runner
 *   started it on an empty store (`startedEmpty`): then the events since are the ordinary lag of
 *   a new store's first commands, not a read model missing.
 *
 * A checkpoint that is merely behind the head is not "not built": that is the ordinary lag a read
 * waits out with `?minPosition=`. A stopped projection is reported by its status, not here.
 */
export interface NotBuilt {
  readonly projection: string;
  /** How far the replay has come (null: nothing applied yet). */
  readonly checkpoint: string | null;
  /** The store's head when the replay from zero started (null: no runner is replaying it yet). */
  readonly replayingTo: string | null;
}

/** The store, as far as readiness asks it anything: only when a checkpoint is missing. */
export type StoreHead = Pick<EventStore, 'readAll'>;

/** How many keys `readinessKeys` gives per projection; its checkpoint comes first. */
export const READINESS_STRIDE = 3;

/** The keys `notBuilt` reads for the named projections of one generation, in its order. */
export function readinessKeys(generationPrefix: string, names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const keys = projectionKeys(generationPrefix, name);
    return [keys.checkpoint, keys.replayingTo, keys.startedEmpty];
  });
}

/**
 * The projections among `names` that are not built (see `NotBuilt`), given the values of their
 * `readinessKeys`. Without a store, a missing checkpoint cannot be told from an empty store and
 * is taken as built.
 */
export async function notBuilt(
  names: readonly string[],
  values: readonly (string | null)[],
  store: StoreHead | undefined,
): Promise<NotBuilt[]> {
  const found: NotBuilt[] = [];
  let storeHasEvents: boolean | undefined;
  for (const [index, projection] of names.entries()) {
    const checkpoint = values[index * READINESS_STRIDE] ?? null;
    const replayingTo = values[index * READINESS_STRIDE + 1] ?? null;
    const startedEmpty = values[index * READINESS_STRIDE + 2] ?? null;
    if (replayingTo !== null) {
      found.push({ projection, checkpoint, replayingTo });
    } else if (checkpoint === null && startedEmpty === null && store) {
      storeHasEvents ??= (await lastPosition(store)) !== undefined;
      if (storeHasEvents) found.push({ projection, checkpoint, replayingTo });
    }
  }
  return found;
}

/** Says why a read model cannot be read, and how far its replay has come. */
export function describeNotBuilt({ projection, checkpoint, replayingTo }: NotBuilt): string {
  return replayingTo
    ? `the ${projection} read model is being rebuilt from the start: at ${checkpoint ?? 'the start'} of ${replayingTo}`
    : `the ${projection} read model has no checkpoint while the event store has events: it is to be rebuilt from the start`;
}
