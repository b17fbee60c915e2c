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

/**
 * How many of a stream's keyed commands its keys are remembered for. The IETF Idempotency-Key
 * draft lets a server forget keys after a while; forgetting by count keeps each stream's memory
 * bounded however many commands it takes, and a retry comes long before a case's next thousand.
 */
export const KEYS_REMEMBERED_PER_STREAM = 1_000;

/**
 * The Idempotency-Keys of a stream's latest keyed commands, and what each answered. A stream's
 * successive cache entries share one of these rather than copy it per command; it knows the last
 * revision it took in, so an entry that folds the same events again changes nothing.
 */
export class IdempotencyKeys {
  private readonly results = new Map<string, IdempotentResult>();
  private revision = -1n;

  constructor(private readonly remembered = KEYS_REMEMBERED_PER_STREAM) {}

  get(key: string): IdempotentResult | undefined {
    return this.results.get(key);
  }

  /**
   * Takes in the events up to `revision` (one recorded event, or all a command just appended),
   * written with `key` if any. The events of one command arrive together or one after another.
   */
  take(revision: bigint, key?: string, answer?: Omit<IdempotentResult, 'revision'>): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    if (key === undefined || answer === undefined) return;
    const earlier = this.results.get(key);
    this.results.set(key, { ...answer, revision, eventTypes: [...(earlier?.eventTypes ?? []), ...answer.eventTypes] });
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.results.size > this.remembered) this.results.delete(this.results.keys().next().value!);
  }

  /** Keys remembered. */
  get size(): number {
    return this.results.size;
  }
}
