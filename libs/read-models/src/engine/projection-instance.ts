import type Redis from 'ioredis';
import { formatPosition, type Position } from '@app/event-store';
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

/** What a batch of events does to one projection: the Redis writes, ready to be queued. */
export interface PreparedBatch {
  readonly commands: Command[];
  /**
   * Set when an event could not be handled: the commands cover the events before it, and the
   * projection stops there.
   */
  readonly failure?: { readonly index: number; readonly event: ProjectedEvent; readonly error: string };
  /** Applied to the cache only once the writes are in Redis. */
  commit(): void;
}

export interface ProjectionInstanceOptions {
  /** What the cache of entity states may hold, in (estimated) bytes. */
  readonly cacheBytes?: number;
  /**
   * Replaying history stream by stream into a generation nobody else writes: an entity never
   * written by this instance has nothing in Redis (no read), and an entity must be named by its
   * stream alone (an entity fed by two streams would be folded out of order, so it is refused).
   */
  readonly replay?: boolean;
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
 * The one write path of the read models: folds a batch of events into one projection's entity
 * states and works out the Redis writes that take its outputs from before to after (`outputs-diff`).
 * Used by the live runner (a batch per subscription read, written with the checkpoint in one
 * fenced transaction) and by the rebuild's replay of history (a batch per slice of streams,
 * pipelined into a new generation). Nothing here writes Redis; it reads the committed states of
 * entities it has not cached.
 *
 * The cache is bounded by an estimate of its bytes, least recently used entities going first: a
 * count of entities bounded nothing useful (a soak found 20,000 of them holding ~120 MB in two
 * projections, the largest part of the process's heap).
 */
export class ProjectionInstance<State = unknown> {
  readonly keys: ReturnType<typeof projectionKeys>;
  private readonly cache = new Map<string, Entity<State>>();
  private cachedBytes = 0;
  private readonly cacheBytes: number;
  /** Replay only: the stream of each entity written so far. */
  private readonly streamOf: Map<string, string> | undefined;
  /** The last checkpoint written or read for it (the runner's: the fence against another writer). */
  checkpoint: Position | undefined;
  stopped = false;

  constructor(
    readonly projection: Projection<State>,
    readonly prefix: string,
    options: ProjectionInstanceOptions = {},
  ) {
    this.keys = projectionKeys(prefix, projection.name);
    this.cacheBytes = options.cacheBytes ?? 16 * 1024 * 1024;
    this.streamOf = options.replay ? new Map() : undefined;
  }

  get name(): string {
    return this.projection.name;
  }

  /** What the cache holds: entities, and the estimate of their bytes it is bounded by. */
  get cached(): { readonly entities: number; readonly bytes: number } {
    return { entities: this.cache.size, bytes: this.cachedBytes };
  }

  formatCheckpoint(): string | null {
    return this.checkpoint ? formatPosition(this.checkpoint) : null;
  }

  /** Forget cached states (after a failed write, or on losing the lock). */
  reset(): void {
    this.cache.clear();
    this.cachedBytes = 0;
  }

  /**
   * The writes for a batch. Counter changes are written with it, or, given `counters`, added up
   * there for the caller to write once (a replay writes each counter once at its end).
   */
  async prepare(events: readonly ProjectedEvent[], redis: Redis, counters?: CounterDeltas): Promise<PreparedBatch> {
    await this.load(events, redis);
    try {
      return this.fold(events, counters);
    } catch (error) {
      // Find the exact event that cannot be handled (slowly, one at a time), and apply those before it.
      const index = error instanceof EventFailed ? error.index : this.firstFailing(events);
      const cause = error instanceof EventFailed ? error.reason : error;
      const prepared = this.fold(events.slice(0, index), counters);
      const message = cause instanceof Error ? cause.message : String(cause);
      return { ...prepared, failure: { index, event: events[index]!, error: message } };
    }
  }

  private fold(events: readonly ProjectedEvent[], counters?: CounterDeltas): PreparedBatch {
    const { projection } = this;
    const working = new Map<string, State>();
    events.forEach((event, index) => {
      const entity = projection.entityOf(event);
      if (entity === undefined) return;
      if (this.streamOf) this.checkStream(entity, event, index);
      const state = working.get(entity) ?? this.cache.get(entity)?.state ?? projection.initialState;
      try {
        working.set(entity, projection.evolve(state, event));
      } catch (cause) {
        throw new EventFailed(index, cause);
      }
    });
    const commands: Command[] = [];
    const counterDeltas = counters ?? new CounterDeltas();
    const updates: [string, Entity<State>][] = [];
    for (const [entity, state] of working) {
      // An evolve that handed back the very state it was given changed nothing (an event this
      // projection ignores, a note to most of them): nothing to diff, no state to write again.
      // What is cached stays cached (a replay's commit forgets every entity it is not told of).
      const before = this.cache.get(entity);
      if (state === (before?.state ?? projection.initialState)) {
        if (before) updates.push([entity, before]);
        continue;
      }
      const outputs = indexOutputs(projection.outputs(entity, state));
      diffOutputs(this.prefix, this.cache.get(entity)?.outputs ?? noOutputs, outputs, commands, counterDeltas);
      const json = JSON.stringify(state);
      commands.push(['set', this.keys.state(entity), json]);
      updates.push([entity, { state, outputs, bytes: sizeOf(json, outputs) }]);
    }
    if (!counters) commands.push(...counterDeltas.commands(this.prefix));
    // Replaying stream by stream, only the last stream's entities can see another event: keeping
    // the others would only age them into the old generation for the collector to sweep.
    const lastStream = this.streamOf ? events.at(-1)?.stream : undefined;
    return {
      commands,
      commit: () => {
        if (this.streamOf) this.reset();
        for (const [entity, value] of updates)
          if (lastStream === undefined || this.streamOf!.get(entity) === lastStream) this.remember(entity, value);
        // Replay never evicts: a state it dropped would be read back before its write was sent.
        if (!this.streamOf) this.evict();
      },
    };
  }

  /** Replay: an entity's events must all come from one stream, or they would be folded out of order. */
  private checkStream(entity: string, event: ProjectedEvent, index: number): void {
    const stream = this.streamOf!.get(entity);
    if (stream === event.stream) return;
    if (stream !== undefined) {
      const error = new Error(
        `${entity} is not named by stream ${event.stream} alone: a rebuild folds stream by stream`,
      );
      throw new EventFailed(index, error);
    }
    this.streamOf!.set(entity, event.stream);
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
      } else if (!this.streamOf || this.streamOf.has(entity)) missing.add(entity);
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
