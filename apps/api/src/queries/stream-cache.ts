import type { EventStore, RecordedEvent } from '@app/event-store';
import { toProjectedEvent, type ProjectedEvent } from '@app/read-models';

/** A stream as the store recorded it, beside its events as the projections read them (upcast). */
export interface ReadStream {
  readonly name: string;
  readonly recorded: readonly RecordedEvent[];
  readonly events: readonly ProjectedEvent[];
  /**
   * States folded along the stream by one fold (`foldTo`): the state after every
   * `CHECKPOINT_EVERY` events, so a past state is folded from the nearest one before it.
   */
  readonly checkpoints: unknown[];
}

/** How far apart the folded states kept for a stream are: the most events one as-of read folds. */
export const CHECKPOINT_EVERY = 256;

/**
 * The fold of a stream's first `count` events (at most all of them), from `initial` by `evolve`:
 * the same states a fold from the first event gives, started from the nearest checkpoint kept for
 * the stream, keeping the checkpoints it passes. Folds are pure and events immutable, so a kept
 * state is the state; only one fold may keep checkpoints on a stream (the case view's).
 */
export function foldTo<State>(
  stream: ReadStream,
  count: number,
  initial: State,
  evolve: (state: State, event: ProjectedEvent) => State,
): State {
  const upTo = Math.min(count, stream.events.length);
  const checkpoints = stream.checkpoints as State[];
  const from = Math.min(Math.floor(upTo / CHECKPOINT_EVERY), checkpoints.length);
  let state = from === 0 ? initial : checkpoints[from - 1]!;
  for (let index = from * CHECKPOINT_EVERY; index < upTo; index++) {
    state = evolve(state, stream.events[index]!);
    const passed = index + 1;
    if (passed % CHECKPOINT_EVERY === 0 && checkpoints.length === passed / CHECKPOINT_EVERY - 1)
      checkpoints.push(state);
  }
  return state;
}

interface Cached extends ReadStream {
  readonly recorded: RecordedEvent[];
  readonly events: ProjectedEvent[];
  /** How many of its events `held` counts. */
  counted: number;
}

/**
 * Streams already read, kept in this process: an event never changes once written, so reading a
 * stream again asks the store only for what was appended since (one indexed read from the next
 * revision), and the states folded along it (`checkpoints`) stay true. Every read still goes to the
 * store, so a past state is always folded from the store's events, never from a read model. Holds
 * at most `maxEvents` events: the streams read least recently are dropped first.
 */
export class StreamCache {
  private readonly streams = new Map<string, Cached>();
  private held = 0;

  constructor(
    private readonly store: EventStore,
    private readonly maxEvents = 50_000,
  ) {}

  async read(name: string): Promise<ReadStream> {
    const cached = this.streams.get(name) ?? { name, recorded: [], events: [], checkpoints: [], counted: 0 };
    const fromRevision = BigInt(cached.recorded.length);
    const appended = await this.store.readStream(name, fromRevision === 0n ? {} : { fromRevision });
    // Another read of this stream may have added some of these meanwhile: take each revision once.
    for (const event of appended) {
      if (event.revision !== BigInt(cached.recorded.length)) continue;
      cached.recorded.push(event);
      cached.events.push(toProjectedEvent(event));
    }
    if (cached.recorded.length === 0) return snapshot(cached);
    // Most recently read last (a Map keeps insertion order): the first ones are dropped first.
    const present = this.streams.get(name);
    if (present !== undefined && present !== cached) {
      this.held -= present.counted;
      present.counted = 0;
    }
    this.streams.delete(name);
    this.held += cached.recorded.length - cached.counted;
    cached.counted = cached.recorded.length;
    this.streams.set(name, cached);
    this.evict(name);
    return snapshot(cached);
  }

  private evict(keep: string): void {
    for (const [name, stream] of this.streams) {
      if (this.held <= this.maxEvents) return;
      if (name === keep) continue;
      this.streams.delete(name);
      this.held -= stream.counted;
      stream.counted = 0;
    }
  }
}

/** The stream as this read found it: later reads append to the cache, not to what a caller holds. */
function snapshot(cached: Cached): ReadStream {
  return {
    name: cached.name,
    recorded: cached.recorded.slice(),
    events: cached.events.slice(),
    checkpoints: cached.checkpoints,
  };
}
