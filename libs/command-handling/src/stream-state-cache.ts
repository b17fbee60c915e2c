import type { Position } from '@app/event-store';

/** What an earlier command with an Idempotency-Key answered: replayed to a retry of that same command. */
export interface IdempotentResult {
  readonly revision: bigint;
  readonly position: Position;
  readonly eventTypes: readonly string[];
  /** The digest of the command the key was first used for (absent on events written before digests). */
  readonly commandDigest: string | undefined;
  /** The agency that sent it: a key is that agency's, never another's to replay. */
  readonly agency: string | undefined;
}

export interface CachedStream<State> {
  /** The revision the state was folded up to (-1n: nothing yet). */
  readonly revision: bigint;
  readonly state: State;
  readonly idempotency: ReadonlyMap<string, IdempotentResult>;
}

/**
 * Folded state per stream, so a command reads only the events after the cached revision instead
 * of the whole stream (which made each command cost grow with the case's length). Always correct:
 * events are immutable, so a cached prefix stays true, and the events after it are always read,
 * whoever wrote them (another process included). Least recently used streams are dropped.
 */
export class StreamStateCache<State> {
  private readonly entries = new Map<string, CachedStream<State>>();

  constructor(private readonly maxStreams = 10_000) {}

  get(stream: string): CachedStream<State> | undefined {
    const entry = this.entries.get(stream);
    if (entry) {
      this.entries.delete(stream);
      this.entries.set(stream, entry);
    }
    return entry;
  }

  set(stream: string, entry: CachedStream<State>): void {
    this.entries.delete(stream);
    this.entries.set(stream, entry);
    if (this.entries.size > this.maxStreams) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
