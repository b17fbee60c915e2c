import type Redis from 'ioredis';
import { comparePositions, formatPosition, type Position } from '@app/event-store';
import { CounterDeltas, diffOutputs, indexOutputs, noOutputs, type Command, type IndexedOutputs } from './outputs-diff';
import { projectionKeys } from './keys';
import type { ProjectedEvent, Projection } from './projection';
import { inShapeOf } from './state-shape';

interface Entity<State> {
  readonly state: State;
  readonly outputs: IndexedOutputs;
  /** An estimate of the memory it takes: what the cache is bounded by. */
  readonly bytes: number;
}

/** What one batch does to one projection, ready to be written in the runner's transaction. */
export interface PreparedBatch {
  readonly commands: Command[];
  /** The projection's new checkpoint (unchanged when it stopped at the batch's first event). */
  readonly checkpoint: Position | undefined;
  /** Set when an event could not be handled: the projection stops there. */
  readonly failure?: { readonly event: ProjectedEvent; readonly error: string };
  /** Applied to the cache only once the transaction has committed. */
  commit(): void;
}

class EventFailed extends Error {
  constructor(
    readonly index: number,
    readonly reason: unknown,
  ) {
    super('event failed');
  }
}

/**
 * One projection inside a runner: its checkpoint, and a cache of entity states as committed to
 * Redis (so a batch reads Redis only for entities it has not seen). Nothing here writes Redis.
 * The cache is bounded by an estimate of its bytes, least recently used entities going first: a
 * count of entities bounded nothing useful (a soak found 20,000 of them holding ~120 MB in two
 * projections, the largest part of the process's heap).
 */
export class ProjectionInstance<State = unknown> {
  readonly keys: ReturnType<typeof projectionKeys>;
  private readonly cache = new Map<string, Entity<State>>();
  private cachedBytes = 0;
  /** The last checkpoint this instance wrote or read: the fence against another writer. */
  checkpoint: Position | undefined;
  stopped = false;

  constructor(
    readonly projection: Projection<State>,
    readonly prefix: string,
    private readonly cacheBytes = 16 * 1024 * 1024,
  ) {
    this.keys = projectionKeys(prefix, projection.name);
  }

  get name(): string {
    return this.projection.name;
  }

  /** What the cache holds: entities, and the estimate of their bytes it is bounded by. */
  get cached(): { readonly entities: number; readonly bytes: number } {
    return { entities: this.cache.size, bytes: this.cachedBytes };
  }

  /** Forget cached states (after a failed write, or on losing the lock). */
  reset(): void {
    this.cache.clear();
    this.cachedBytes = 0;
  }

  async prepare(events: readonly ProjectedEvent[], redis: Redis): Promise<PreparedBatch> {
    const mine = events.filter((event) => !this.checkpoint || comparePositions(event.position, this.checkpoint) > 0);
    const last = events.at(-1)?.position;
    const checkpoint =
      last && (!this.checkpoint || comparePositions(last, this.checkpoint) > 0) ? last : this.checkpoint;
    await this.load(mine, redis);
    try {
      return this.fold(mine, checkpoint);
    } catch (error) {
      // Find the exact event that cannot be handled (slowly, one at a time), and apply those before it.
      const index = error instanceof EventFailed ? error.index : this.firstFailing(mine);
      const cause = error instanceof EventFailed ? error.reason : error;
      const failed = mine[index]!;
      const before = index > 0 ? mine[index - 1]!.position : this.checkpoint;
      const prepared = this.fold(mine.slice(0, index), before);
      return { ...prepared, failure: { event: failed, error: cause instanceof Error ? cause.message : String(cause) } };
    }
  }

  private fold(events: readonly ProjectedEvent[], checkpoint: Position | undefined): PreparedBatch {
    const { projection } = this;
    const working = new Map<string, State>();
    events.forEach((event, index) => {
      const entity = projection.entityOf(event);
      if (entity === undefined) return;
      const state = working.get(entity) ?? this.cache.get(entity)?.state ?? projection.initialState;
      try {
        working.set(entity, projection.evolve(state, event));
      } catch (cause) {
        throw new EventFailed(index, cause);
      }
    });
    const commands: Command[] = [];
    const counterDeltas = new CounterDeltas();
    const updates: [string, Entity<State>][] = [];
    for (const [entity, state] of working) {
      const outputs = indexOutputs(projection.outputs(entity, state));
      diffOutputs(this.prefix, this.cache.get(entity)?.outputs ?? noOutputs, outputs, commands, counterDeltas);
      const json = JSON.stringify(state);
      commands.push(['set', this.keys.state(entity), json]);
      updates.push([entity, { state, outputs, bytes: sizeOf(json, outputs) }]);
    }
    commands.push(...counterDeltas.commands(this.prefix));
    return {
      commands,
      checkpoint,
      commit: () => {
        for (const [entity, value] of updates) this.remember(entity, value);
        this.checkpoint = checkpoint;
        this.evict();
      },
    };
  }

  private firstFailing(events: readonly ProjectedEvent[]): number {
    const { projection } = this;
    const working = new Map<string, State>();
    for (const [index, event] of events.entries()) {
      const entity = projection.entityOf(event);
      if (entity === undefined) continue;
      try {
        const state = projection.evolve(
          working.get(entity) ?? this.cache.get(entity)?.state ?? projection.initialState,
          event,
        );
        projection.outputs(entity, state);
        working.set(entity, state);
      } catch {
        return index;
      }
    }
    return events.length - 1;
  }

  /** Reads into the cache the committed state of every entity the batch touches and it lacks. */
  private async load(events: readonly ProjectedEvent[], redis: Redis): Promise<void> {
    const missing = new Set<string>();
    for (const event of events) {
      const entity = this.projection.entityOf(event);
      if (entity === undefined) continue;
      const cached = this.cache.get(entity);
      if (cached) {
        // Most recently used last, so eviction drops the coldest.
        this.cache.delete(entity);
        this.cache.set(entity, cached);
      } else missing.add(entity);
    }
    if (missing.size === 0) return;
    const entities = [...missing];
    for (let start = 0; start < entities.length; start += 1_000) {
      const slice = entities.slice(start, start + 1_000);
      const values = await redis.mget(...slice.map((entity) => this.keys.state(entity)));
      slice.forEach((entity, index) => {
        const json = values[index];
        if (json == null) return; // never seen: starts from the initial state with no outputs
        const state = inShapeOf(this.projection.initialState, JSON.parse(json) as State);
        const outputs = indexOutputs(this.projection.outputs(entity, state));
        this.remember(entity, { state, outputs, bytes: sizeOf(json, outputs) });
      });
    }
  }

  private remember(entity: string, value: Entity<State>): void {
    this.forget(entity);
    this.cache.set(entity, value);
    this.cachedBytes += value.bytes;
  }

  private forget(entity: string): void {
    const cached = this.cache.get(entity);
    if (!cached) return;
    this.cache.delete(entity);
    this.cachedBytes -= cached.bytes;
  }

  private evict(): void {
    for (const entity of this.cache.keys()) {
      if (this.cachedBytes <= this.cacheBytes) return;
      this.forget(entity);
    }
  }

  formatCheckpoint(): string | null {
    return this.checkpoint ? formatPosition(this.checkpoint) : null;
  }
}

/**
 * About twice the entity's text (its state's JSON and its documents' JSON), and ~250 bytes for
 * each set membership and counter (a tuple and a key built for it).
 */
function sizeOf(stateJson: string, outputs: IndexedOutputs): number {
  let text = stateJson.length;
  for (const document of outputs.documents.values()) text += document.length;
  return 2 * text + 250 * (outputs.members.size + outputs.counts.size);
}
