import type { Position } from '@app/event-store';

/** An event as projections read it: its data brought up to the current schema version. */
export interface ProjectedEvent {
  /** The event's id: bound into each of its sealed (personal) fields, so kept beside any copied into a read model. */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly stream: string;
  readonly revision: bigint;
  readonly position: Position;
  /** When the command was handled (the event's metadata), else when the store recorded it. ISO 8601. */
  readonly recordedAt: string;
  readonly actor?: { readonly userId: string; readonly role: string; readonly agency: string };
}

/**
 * What a read model shows for one entity, as data: the runner works out the Redis writes by
 * comparing an entity's outputs before and after a batch of events, so a projection never writes
 * Redis itself and its outputs are a pure function of the entity's state.
 */
export interface ReadModelOutputs {
  /** Values stored as JSON strings under these keys (removed when no longer output). */
  readonly documents?: Readonly<Record<string, unknown>>;
  /** Sorted-set memberships `[key, member, score]` (removed when no longer output). */
  readonly members?: ReadonlyArray<readonly [key: string, member: string, score: number]>;
  /** Contributions to hash counters `[key, field, amount]`, summed over every entity. */
  readonly counts?: ReadonlyArray<readonly [key: string, field: string, amount: number]>;
}

/**
 * A read model kept in Redis: a fold of each entity's events (`evolve`, pure) and what the read
 * model shows for that state (`outputs`, pure). The runner keeps each entity's state in Redis with
 * the projection's checkpoint, in the same transaction as the outputs it changed.
 */
export interface Projection<State = unknown> {
  /** Names its keys and its checkpoint; stable across restarts. */
  readonly name: string;
  /**
   * The entity an event belongs to, or undefined for an event this projection does not read. It
   * must depend on the event's stream alone, one entity per stream: a rebuild folds history stream
   * by stream, and fails on a projection that breaks this.
   */
  entityOf(event: ProjectedEvent): string | undefined;
  readonly initialState: State;
  evolve(state: State, event: ProjectedEvent): State;
  outputs(entity: string, state: State): ReadModelOutputs;
}

/**
 * Where a projection stands: running, stopped at an event it could not handle, or being rebuilt
 * from the start (not built: see `readiness.ts`; `replayingTo` null while no runner replays it yet).
 */
export type ProjectionStatus =
  | { readonly name: string; readonly state: 'running'; readonly checkpoint: string | null }
  | {
      readonly name: string;
      readonly state: 'rebuilding';
      readonly checkpoint: string | null;
      readonly replayingTo: string | null;
      readonly reason: string;
    }
  | {
      readonly name: string;
      readonly state: 'stopped';
      readonly checkpoint: string | null;
      readonly failedAt: string;
      readonly stream: string;
      readonly eventType: string;
      readonly error: string;
    };
