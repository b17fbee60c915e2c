/**
 * The in-memory log behind the protocol server: one array in append order (`$all`) and an index
 * of each stream's events. Everything runs on the Node event loop, so an append (check the
 * expected revision, then write) is atomic without locks, and a reader that walks the array by
 * index sees every event exactly once whether it was there when the read began or came later.
 */

/** What the writer expects of the stream, as in `AppendReq.Options.expected_stream_revision`. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly stream: string;
  /** From 0 within the stream. */
  readonly revision: bigint;
  /** Both the commit and the prepare position: each event is its own commit here. */
  readonly position: bigint;
  /** Unix epoch in milliseconds. */
  readonly created: number;
}

export type AppendOutcome =
  | { readonly ok: true; readonly revision: bigint | 'no_stream'; readonly position: bigint | undefined }
  | { readonly ok: false; readonly current: bigint | 'no_stream' };

/**
 * Positions are byte offsets in EventStoreDB's transaction file. They grow here by a nominal
 * record size rather than by one, so a client that confuses positions with indexes or revisions,
 * or adds 1 to a position to get the next one, goes wrong here as it would against a real node.
 */
const RECORD_OVERHEAD = 128n;

export class EventLog {
  private readonly events: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly listeners = new Set<() => void>();
  private nextPosition = 0n;

  /** Every event, in `$all` order. The array grows in place; readers hold indexes into it. */
  get all(): readonly StoredEvent[] {
    return this.events;
  }

  /** A stream's events (index = revision), or undefined if nothing was ever written to it. */
  stream(name: string): readonly StoredEvent[] | undefined {
    return this.streams.get(name);
  }

  /** The index in `all` of the first event at or after `position` (`all.length` if none). */
  indexAtOrAfter(position: bigint): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.events[middle]!.position < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  append(stream: string, expected: ExpectedRevision, proposed: readonly ProposedEvent[]): AppendOutcome {
    const existing = this.streams.get(stream);
    const current = existing ? BigInt(existing.length - 1) : 'no_stream';
    const holds =
      expected === 'any' ||
      (expected === 'no_stream' && current === 'no_stream') ||
      (expected === 'stream_exists' && current !== 'no_stream') ||
      expected === current;
    if (!holds) return { ok: false, current };

    // An empty append writes nothing: the answer is the stream as it is, with no position.
    if (proposed.length === 0) return { ok: true, revision: current, position: undefined };

    const events = existing ?? [];
    const created = Date.now();
    for (const event of proposed) {
      const stored: StoredEvent = {
        ...event,
        stream,
        revision: BigInt(events.length),
        position: this.nextPosition,
        created,
      };
      this.nextPosition += RECORD_OVERHEAD + BigInt(event.data.length + event.metadata.length);
      events.push(stored);
      this.events.push(stored);
    }
    this.streams.set(stream, events);
    for (const listener of [...this.listeners]) listener();
    const last = events[events.length - 1]!;
    return { ok: true, revision: last.revision, position: last.position };
  }

  /** Calls `listener` after every append until the returned function is called. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
