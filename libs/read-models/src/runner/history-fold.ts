import type Redis from 'ioredis';
import { comparePositions, formatPosition, type EventFilter, type EventStore, type Position } from '@app/event-store';
import { projectionKeys } from './keys';
import { addCounterDelta, counterCommands, diffOutputs, indexOutputs, type Command } from './outputs-diff';
import type { ProjectedEvent, Projection, ReadModelOutputs } from './projection';
import { toProjectedEvent } from './projected-event';

export interface HistoryFoldOptions {
  /** The generation's key prefix: a generation nobody reads yet. */
  readonly prefix: string;
  /** Events read between two writes of what changed (and at the end). */
  readonly flushEvery?: number;
  readonly log?: (message: string) => void;
  /** Called about once a second with the position reached and the head it reads up to. */
  readonly progress?: (checkpoint: string | null, head: string | null) => void;
  /** Fold up to this position (default: the store's last event when the fold starts). */
  readonly head?: Position;
  /** Only the streams this filter lets through (one partition of a parallel fold). */
  readonly filter?: EventFilter;
  /** Write each projection's checkpoint after its data (default true; a partition leaves it to its coordinator). */
  readonly checkpoints?: boolean;
}

/** Where a projection could not go on: the event it refused, or the entity whose outputs failed. */
export interface FoldFailure {
  readonly projection: string;
  readonly error: string;
  readonly position?: string;
  readonly stream?: string;
  readonly eventType?: string;
  readonly entity?: string;
}

export interface HistoryFoldResult {
  /** The last event folded (undefined for an empty store). */
  readonly last?: Position;
  readonly failures: readonly FoldFailure[];
}

/** Redis commands per pipeline sent while flushing. */
const PIPELINE_SIZE = 1_000;
/** Keys (or members) per multi-key command. */
const PER_COMMAND = 500;
/** Events read, then folded, between two turns of the event loop (lock renewal, Redis replies, timers). */
const EVENTS_PER_TURN = 10_000;

/**
 * One projection folded over history in memory, for a generation that has no readers yet: every
 * entity's state stays in memory (no cache limit, no Redis reads), and Redis sees only each
 * entity's outputs and state as they stand at a flush, diffed against what the previous flush
 * wrote. What it writes is what the live runner would end with for the same events.
 */
class FoldedProjection<State> {
  readonly keys: ReturnType<typeof projectionKeys>;
  /** Every entity's state after the events folded so far. */
  private readonly states = new Map<string, State>();
  /** The states as the last flush wrote them (states are immutable, so these are shared). */
  private readonly written = new Map<string, State>();
  private readonly dirty = new Set<string>();
  /** Set when an event or an entity's outputs failed: from here on the live runner takes it. */
  failed = false;
  failure?: FoldFailure;

  constructor(
    readonly projection: Projection<State>,
    readonly prefix: string,
  ) {
    this.keys = projectionKeys(prefix, projection.name);
  }

  /** Events read since the last `fold()`, by entity, in order. */
  private readonly pending = new Map<string, ProjectedEvent[]>();

  add(event: ProjectedEvent): void {
    const entity = this.projection.entityOf(event);
    if (entity === undefined) return;
    const events = this.pending.get(entity);
    if (events) events.push(event);
    else this.pending.set(entity, [event]);
  }

  /**
   * Folds the pending events entity by entity: each entity's events in order (all a projection's
   * state depends on), its intermediate states garbage at once rather than kept until its next
   * event comes round (which makes the garbage collector copy them, many times over).
   */
  fold(): void {
    const { projection, states } = this;
    let current: ProjectedEvent | undefined;
    try {
      for (const [entity, events] of this.pending) {
        let state = states.get(entity) ?? projection.initialState;
        for (const event of events) {
          current = event;
          state = projection.evolve(state, event);
        }
        states.set(entity, state);
        this.dirty.add(entity);
      }
    } catch (error) {
      this.abandon({
        projection: projection.name,
        error: messageOf(error),
        position: current && formatPosition(current.position),
        stream: current?.stream,
        eventType: current?.type,
      });
    }
    this.pending.clear();
  }

  /**
   * The writes that bring Redis from the last flush to the states now (no checkpoint), or
   * undefined when an entity's outputs failed (then nothing of this flush is written for it).
   */
  changes(): Writes | undefined {
    const { projection, prefix } = this;
    const commands = new Writes();
    const counterDeltas = new Map<string, [string, string, number]>();
    let current: string | undefined;
    try {
      for (const entity of this.dirty) {
        current = entity;
        const state = this.states.get(entity)!;
        const before = this.written.get(entity);
        const after = projection.outputs(entity, state);
        if (before === undefined) commands.addOutputs(prefix, after, counterDeltas);
        else
          diffOutputs(
            prefix,
            indexOutputs(projection.outputs(entity, before)),
            indexOutputs(after),
            commands,
            counterDeltas,
          );
        commands.set(this.keys.state(entity), JSON.stringify(state));
      }
    } catch (error) {
      this.abandon({ projection: projection.name, error: messageOf(error), entity: current });
      return undefined;
    }
    for (const entity of this.dirty) this.written.set(entity, this.states.get(entity)!);
    this.dirty.clear();
    for (const command of counterCommands(prefix, counterDeltas)) commands.push(command);
    return commands;
  }

  /**
   * Stops folding and forgets what was not written: the runner resumes from the last flush,
   * event by event, and stops at the failing event with its status (as for a live projection).
   */
  private abandon(failure: FoldFailure): void {
    this.failed = true;
    this.failure = failure;
    this.pending.clear();
    this.states.clear();
    this.written.clear();
    this.dirty.clear();
  }
}

/**
 * Folds every projection over the history up to the store's last event as it stands now, into a
 * generation nobody reads, writing only at flushes (pipelined, no transactions) and each
 * projection's checkpoint once its flushed data is in Redis. Returns the last event folded
 * (undefined for an empty store) and the projections that failed. A projection that cannot handle
 * an event is left at its last flush, for the runner to stop at that event. Events appended
 * meanwhile are left to the runner.
 */
export async function foldHistory(
  store: EventStore,
  redis: Redis,
  projections: readonly Projection[],
  options: HistoryFoldOptions,
): Promise<HistoryFoldResult> {
  const head = options.head ?? (await lastPosition(store));
  if (!head) return { failures: [] };
  const folds = projections.map((projection) => new FoldedProjection(projection, options.prefix));
  const flushEvery = options.flushEvery ?? 250_000;
  let last: Position | undefined;
  let sinceFlush = 0;
  let sinceTurn = 0;
  let lastReport = Date.now();
  // The previous flush is written while the next events are folded; at most one in flight.
  let writing: Promise<void> = Promise.resolve();
  const flush = async (at: Position) => {
    for (const fold of folds) if (!fold.failed) fold.fold();
    const batches = folds.map((fold) => (fold.failed ? undefined : fold.changes()));
    await writing;
    writing = write(redis, folds, batches, options.checkpoints === false ? undefined : at);
    // Awaited at the next flush; until then a failure must not count as unhandled.
    writing.catch(() => undefined);
  };
  for await (const recorded of store.readAll({ fromPosition: 'start', filter: options.filter })) {
    if (comparePositions(recorded.position, head) > 0) break;
    const event = toProjectedEvent(recorded);
    for (const fold of folds) if (!fold.failed) fold.add(event);
    last = event.position;
    if (++sinceFlush >= flushEvery) {
      sinceFlush = 0;
      await flush(last);
    }
    if (++sinceTurn >= EVENTS_PER_TURN) {
      sinceTurn = 0;
      for (const fold of folds) if (!fold.failed) fold.fold();
      await new Promise((resolve) => setImmediate(resolve));
      if (options.progress && Date.now() - lastReport >= 1_000) {
        lastReport = Date.now();
        options.progress(formatPosition(last), formatPosition(head));
      }
    }
    if (folds.every((fold) => fold.failed)) break;
  }
  if (last) await flush(last);
  await writing;
  const failed = folds.filter((fold) => fold.failed).map((fold) => fold.projection.name);
  if (failed.length > 0) options.log?.(`left to the runner from their last flush: ${failed.join(', ')}`);
  return { last, failures: folds.flatMap((fold) => (fold.failure ? [fold.failure] : [])) };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Writes one flush: every projection's data, then (once that is in) their checkpoints, if `at` is given. */
async function write(
  redis: Redis,
  folds: readonly FoldedProjection<unknown>[],
  batches: readonly (Writes | undefined)[],
  at: Position | undefined,
): Promise<void> {
  let pipeline = redis.pipeline();
  let queued = 0;
  const sent: Promise<unknown>[] = [];
  for (const writes of batches) {
    for (const [name, ...args] of writes?.commands() ?? []) {
      pipeline.call(name, ...args);
      if (++queued === PIPELINE_SIZE) {
        sent.push(pipeline.exec().then(throwOnError));
        pipeline = redis.pipeline();
        queued = 0;
      }
    }
  }
  if (queued > 0) sent.push(pipeline.exec().then(throwOnError));
  await Promise.all(sent);
  if (!at) return;
  const checkpoints: string[] = [];
  batches.forEach((writes, index) => {
    if (!writes) return;
    checkpoints.push(folds[index]!.keys.checkpoint, formatPosition(at));
  });
  if (checkpoints.length > 0) await redis.mset(...checkpoints);
}

function throwOnError(results: [Error | null, unknown][] | null): void {
  for (const [error] of results ?? []) if (error) throw error;
}

export async function lastPosition(store: EventStore): Promise<Position | undefined> {
  for await (const event of store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 })) {
    return event.position;
  }
  return undefined;
}

/**
 * A flush's writes reduced to where they leave each key (each member of a sorted set, each
 * field of a counter): the last write of a key or member wins and counter changes add up, as
 * when they are applied one by one in order. Sent as few commands carrying many keys or members.
 */
class Writes {
  /** A string's new value, or null when deleted. */
  private readonly strings = new Map<string, string | null>();
  /** A sorted set's members: new score, or null when removed. */
  private readonly sortedSets = new Map<string, Map<string, number | null>>();
  private readonly counters = new Map<string, Map<string, number>>();

  set(key: string, value: string): void {
    this.strings.set(key, value);
  }

  /**
   * The outputs of an entity not written before, straight in (what `diffOutputs` from no outputs
   * gives, without indexing them first): an entity's memberships are its own, so the lowest score
   * it gives a member wins; counts add to `counterDeltas`.
   */
  addOutputs(prefix: string, outputs: ReadModelOutputs, counterDeltas: Map<string, [string, string, number]>): void {
    for (const key in outputs.documents) this.strings.set(`${prefix}:${key}`, JSON.stringify(outputs.documents[key]));
    for (const [key, member, score] of outputs.members ?? []) {
      const members = this.members(`${prefix}:${key}`);
      const seen = members.get(member);
      if (seen === undefined || seen === null || score < seen) members.set(member, score);
    }
    for (const [key, field, amount] of outputs.counts ?? []) addCounterDelta(counterDeltas, key, field, amount);
  }

  push([name, key, ...args]: Command): void {
    switch (name) {
      case 'set':
        this.strings.set(String(key), String(args[0]));
        return;
      case 'del':
        this.strings.set(String(key), null);
        return;
      case 'zadd':
        this.members(String(key)).set(String(args[1]), Number(args[0]));
        return;
      case 'zrem':
        this.members(String(key)).set(String(args[0]), null);
        return;
      case 'hincrby': {
        let fields = this.counters.get(String(key));
        if (!fields) this.counters.set(String(key), (fields = new Map<string, number>()));
        fields.set(String(args[0]), (fields.get(String(args[0])) ?? 0) + Number(args[1]));
        return;
      }
      default:
        throw new Error(`no bulk form for ${name}`);
    }
  }

  private members(key: string): Map<string, number | null> {
    let members = this.sortedSets.get(key);
    if (!members) this.sortedSets.set(key, (members = new Map<string, number | null>()));
    return members;
  }

  *commands(): Generator<Command> {
    const deleted: string[] = [];
    const set: string[] = [];
    for (const [key, value] of this.strings) {
      if (value === null) deleted.push(key);
      else set.push(key, value);
    }
    yield* inSlices('mset', [], set, 2);
    yield* inSlices('del', [], deleted, 1);
    for (const [key, members] of this.sortedSets) {
      const added: (string | number)[] = [];
      const removed: string[] = [];
      for (const [member, score] of members) {
        if (score === null) removed.push(member);
        else added.push(score, member);
      }
      yield* inSlices('zadd', [key], added, 2);
      yield* inSlices('zrem', [key], removed, 1);
    }
    for (const [key, fields] of this.counters) {
      for (const [field, amount] of fields) if (amount !== 0) yield ['hincrby', key, field, amount];
    }
  }
}

/** `name ...head ...args` as commands of at most PER_COMMAND items (`width` arguments each). */
function* inSlices(
  name: string,
  head: readonly string[],
  args: readonly (string | number)[],
  width: number,
): Generator<Command> {
  const step = PER_COMMAND * width;
  for (let start = 0; start < args.length; start += step) {
    yield [name, ...head, ...args.slice(start, start + step)];
  }
}
