import type { ChainableCommander } from 'ioredis';
import type Redis from 'ioredis';
import type { RecordedEvent } from '@app/event-store';

/**
 * A read model kept in Redis from the events. `apply` queues its writes on `tx`, which the runner
 * executes together with the new checkpoint, so an event's effect and the record that it was
 * applied are one atomic step: a crash can neither lose an event nor apply it twice. `apply` may
 * read Redis first (`redis`): only this projection's runner writes its keys.
 */
export interface Projection {
  /** Names its keys and its checkpoint; stable across restarts. */
  readonly name: string;
  /** The events it reads; the others only move its checkpoint on. */
  handles(event: RecordedEvent): boolean;
  apply(event: RecordedEvent, tx: ChainableCommander, redis: Redis): Promise<void> | void;
}

/** Where a projection stands: running, or stopped at an event it could not handle. */
export type ProjectionStatus =
  | { readonly state: 'running'; readonly checkpoint: string | null }
  | {
      readonly state: 'stopped';
      readonly checkpoint: string | null;
      readonly failedAt: string;
      readonly eventType: string;
      readonly error: string;
    };
