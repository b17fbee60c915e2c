import { canonicalJson } from './canonical-json';
import { canonicalEventText, chainHashOf, eventLeafBytes, GENESIS_HASH, type ChainedContent } from './event-hash';

/** An event as the store holds it, read in `$all` order: what verification needs of it. */
export interface StoredEvent extends ChainedContent {
  readonly position: bigint;
  /** The hash its metadata carries; undefined when it carries none. */
  readonly chainHash: string | undefined;
}

/**
 * What verification found first, in `$all` order.
 * - `altered`: the event at this revision does not hash to the hash it carries (its type, data,
 *   metadata or hash changed, or another event was put in its place);
 * - `removed`: its stream jumps over this revision (named with the position where the jump shows);
 * - `reordered`: this event stands before an earlier revision of its stream, found later in `$all`;
 * - `inserted`: an event that is not part of its stream's chain: a second event at a revision seen
 *   before, or one whose later neighbours were renumbered to make room for it (they still chain
 *   from the revision before it, at their old revisions);
 * - `unchained`: an event without a chain hash (written outside the store's append, or before the
 *   store chained its events);
 * - `truncated`: fewer events than a signed tree head covers (the last ones removed).
 */
export type ChainFindingKind = 'altered' | 'removed' | 'reordered' | 'inserted' | 'unchained' | 'truncated';

export interface ChainFinding {
  readonly kind: ChainFindingKind;
  /** The event named (absent for `truncated`: the missing events cannot be named from the store). */
  readonly stream?: string;
  readonly revision?: bigint;
  readonly position?: bigint;
  /** One sentence for the operator. */
  readonly detail: string;
}

export type ChainVerification =
  | {
      readonly ok: true;
      readonly events: number;
      readonly streams: number;
      /** With `allowUnchained`: the events without a chain hash, when there were any. */
      readonly unchained?: number;
    }
  | { readonly ok: false; readonly finding: ChainFinding; readonly events: number; readonly streams: number };

/** The latest signed tree head, as far as verification uses it: its size and, with a Merkle builder, its root. */
export interface TreeHeadToMatch {
  readonly size: number;
  readonly root?: string;
  /** Builds the root of the first `size` leaves (`auditLeafBytes`, as the worker's tree builder), fed in `$all` order. */
  readonly merkle?: { add(leaf: Uint8Array): void; rootAt(size: number): string };
}

export interface ChainVerifierOptions {
  /** The latest signed tree head, to catch the last events removed (and, with a builder, any change to its root). */
  readonly treeHead?: TreeHeadToMatch;
  /**
   * Accept events without a chain hash (a store written before events were chained): each is
   * counted, and its stream's next event chains from 32 zero bytes, as the adapters chain it.
   * For a migration reading an old store; `audit:verify` never allows them.
   */
  readonly allowUnchained?: boolean;
}

interface StreamState {
  next: number;
  hash: string;
  position: bigint;
}

/** A finding waiting for a later event to complete it (the event a gap skipped, found further on). */
interface Pending {
  readonly kind: 'removed' | 'inserted';
  readonly stream: string;
  readonly missing: number;
  readonly at: StoredEvent;
  readonly previousPosition: bigint | undefined;
}

/**
 * Verifies every stream's hash chain over the events of a store fed in `$all` order, and names the
 * first event that breaks one. Pure: the caller reads the store and feeds each event to `add`
 * until it answers false (a finding is complete: reading on would change nothing), then calls
 * `result`. One pass, constant memory per stream.
 *
 * What per-stream chains cannot see (the Merkle tree over `$all` and its signed heads can): the
 * last events of a stream, or of the log, removed; an order changed only between streams; a
 * stream rewritten from some event on with its hashes recomputed. Passing the latest signed tree
 * head's size to `result` catches the first.
 */
export class ChainVerifier {
  private readonly streams = new Map<string, StreamState>();
  private events = 0;
  private finding: ChainFinding | undefined;
  private pending: Pending | undefined;
  private unchained = 0;
  private readonly treeHead: TreeHeadToMatch | undefined;

  constructor(private readonly options: ChainVerifierOptions = {}) {
    this.treeHead = options.treeHead;
  }

  /** Takes the next event in `$all` order; false once the first finding is complete. */
  add(event: StoredEvent): boolean {
    this.events++;
    if (this.treeHead?.merkle && this.events <= this.treeHead.size) this.treeHead.merkle.add(leafBytesOf(event));
    const revision = Number(event.revision);
    const state = this.streams.get(event.stream);
    const expected = state ? state.next : 0;
    if (revision === expected) {
      if (this.finding || this.pending) return this.advance(event, state, revision, event.chainHash ?? '');
      if (event.chainHash === undefined && this.options.allowUnchained) {
        this.unchained++;
        return this.advance(event, state, revision, GENESIS_HASH);
      }
      if (event.chainHash === undefined) {
        return this.found({
          kind: 'unchained',
          ...named(event),
          detail:
            'the event carries no chain hash: it was written outside the store, or before the store chained events',
        });
      }
      const hash = chainHashOf(state ? state.hash : GENESIS_HASH, event);
      if (hash !== event.chainHash) {
        return this.found({
          kind: 'altered',
          ...named(event),
          detail:
            'the event does not hash to the chain hash it carries: its content or hash was changed, or it replaced another',
        });
      }
      return this.advance(event, state, revision, hash);
    }
    if (revision > expected) {
      if (!this.finding && !this.pending) {
        // The first event after the gap, hashed at the revision the stream was waiting for: if it
        // chains there, it was renumbered, so something was put before it.
        const previous = state ? state.hash : GENESIS_HASH;
        const renumbered =
          event.chainHash !== undefined && chainHashOf(previous, { ...event, revision: expected }) === event.chainHash;
        this.pending = {
          kind: renumbered ? 'inserted' : 'removed',
          stream: event.stream,
          missing: expected,
          at: event,
          previousPosition: state?.position,
        };
      }
      return this.advance(event, state, revision, event.chainHash ?? '');
    }
    // A revision at or below one already passed.
    const pending = this.pending;
    if (pending && pending.stream === event.stream && pending.missing === revision)
      return this.complete(pending, event);
    if (this.finding || pending) return true;
    return this.found({
      kind: 'inserted',
      ...named(event),
      detail: `revision ${revision} of the stream was already seen: this is a second event at it`,
    });
  }

  /** The verdict, once every event was fed (or `add` said stop). */
  result(): ChainVerification {
    if (this.pending) this.complete(this.pending, undefined);
    const counts = { events: this.events, streams: this.streams.size };
    if (this.finding) return { ok: false, finding: this.finding, ...counts };
    const head = this.treeHead;
    if (head && this.events < head.size) {
      return {
        ok: false,
        finding: {
          kind: 'truncated',
          detail: `the store holds ${this.events} events but the latest signed tree head covers ${head.size}: the last ${head.size - this.events} were removed`,
        },
        ...counts,
      };
    }
    if (head?.root !== undefined && head.merkle) {
      const root = head.merkle.rootAt(head.size);
      if (root !== head.root) {
        return {
          ok: false,
          finding: {
            kind: 'altered',
            detail: `the first ${head.size} events do not give the root of the latest signed tree head: the log's order or content changed`,
          },
          ...counts,
        };
      }
    }
    return { ok: true, ...counts, ...(this.unchained > 0 ? { unchained: this.unchained } : {}) };
  }

  private advance(event: StoredEvent, state: StreamState | undefined, revision: number, hash: string): boolean {
    if (state) {
      state.next = revision + 1;
      state.hash = hash;
      state.position = event.position;
    } else {
      this.streams.set(event.stream, { next: revision + 1, hash, position: event.position });
    }
    return this.finding === undefined;
  }

  private found(finding: ChainFinding): boolean {
    this.finding = finding;
    return false;
  }

  /** Completes a pending finding with the skipped event, found further on (or never: `found` undefined). */
  private complete(pending: Pending, found: StoredEvent | undefined): boolean {
    this.pending = undefined;
    const at = pending.at;
    const between =
      pending.previousPosition === undefined
        ? `before position ${at.position}`
        : `between positions ${pending.previousPosition} and ${at.position}`;
    if (pending.kind === 'inserted') {
      return this.found({
        kind: 'inserted',
        stream: pending.stream,
        revision: BigInt(pending.missing),
        position: found ? found.position : at.position,
        detail: found
          ? `the event at revision ${pending.missing} is not in the chain: the stream's later events were renumbered to make room for it (the first at position ${at.position})`
          : `the stream's events from position ${at.position} on were renumbered to make room for revision ${pending.missing}, which is missing`,
      });
    }
    if (found) {
      return this.found({
        kind: 'reordered',
        ...named(at),
        detail: `it stands before revision ${pending.missing} of its stream, found later at position ${found.position}`,
      });
    }
    return this.found({
      kind: 'removed',
      stream: pending.stream,
      revision: BigInt(pending.missing),
      position: at.position,
      detail:
        pending.missing === 0
          ? `the stream starts at revision ${at.revision} (position ${at.position}): revision 0 was removed`
          : `the stream jumps from revision ${pending.missing - 1} to ${at.revision} ${between}: revision ${pending.missing} was removed`,
    });
  }
}

function named(event: StoredEvent): { stream: string; revision: bigint; position: bigint } {
  return { stream: event.stream, revision: BigInt(event.revision), position: event.position };
}

/**
 * An event's leaf input as the worker's tree builder makes it (`auditLeafBytes`): `eventLeafBytes`
 * when it carries a chain hash, else the UTF-8 of its canonical text (data and metadata made
 * canonical, as the adapters give them back parsed). Text that is not JSON is taken as it is: its
 * leaf then differs, and the root check says so.
 */
function leafBytesOf(event: StoredEvent): Buffer {
  if (event.chainHash !== undefined) return eventLeafBytes({ ...event, chainHash: event.chainHash });
  const canonical = (text: string) => {
    try {
      return canonicalJson(JSON.parse(text));
    } catch {
      return text;
    }
  };
  return Buffer.from(
    canonicalEventText({ ...event, dataJson: canonical(event.dataJson), metadataJson: canonical(event.metadataJson) }),
    'utf8',
  );
}
