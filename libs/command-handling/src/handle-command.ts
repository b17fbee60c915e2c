import type { Actor, Decider } from '@app/case-domain';
import { WrongExpectedVersionError, type EventStore, type Position } from '@app/event-store';
import { commandDigest } from './command-digest';
import { actorOf, metadataOf, toDomainEvent, toEventData, type DomainEvent } from './event-envelope';
import { IdempotencyKeys, type IdempotentResult } from './idempotency-keys';
import { StreamStateCache, type CachedStream } from './stream-state-cache';
import type { StreamQueue } from './stream-queue';

export interface CommandEnvelope {
  readonly actor: Actor;
  readonly correlationId: string;
  /** The id of what caused this command (a request, a job); defaults to the correlation id. */
  readonly causationId?: string;
  readonly idempotencyKey?: string;
  /** From `If-Match`: the command applies only if the stream is still at this revision. */
  readonly ifRevision?: bigint;
  readonly now: () => Date;
}

export interface CommandResult {
  readonly stream: string;
  /** The stream's revision after the command (the ETag). */
  readonly revision: bigint;
  /** The global position of the last event written, for read-your-writes. */
  readonly position: Position;
  readonly eventTypes: readonly string[];
  /** True when an earlier command with the same Idempotency-Key already did the work. */
  readonly replayed: boolean;
}

/** `If-Match` did not hold: the stream moved on since the client read it. Nothing was written. */
export class PreconditionFailed extends Error {
  override readonly name = 'PreconditionFailed';
  constructor(
    readonly stream: string,
    readonly expected: bigint,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`${stream} is at revision ${String(actual)}, not ${expected}`);
  }
}

/**
 * The Idempotency-Key was already used on this stream for another command (or by another agency).
 * Replaying the first answer would silently drop this command, so it is refused and nothing is
 * written (422, as the IETF Idempotency-Key header draft says).
 */
export class IdempotencyKeyReused extends Error {
  override readonly name = 'IdempotencyKeyReused';
  readonly rule = 'idempotency-key-reused';
  constructor(readonly stream: string) {
    super('This Idempotency-Key was already used for another request: send a new key with a new command');
  }
}

/** Other writers kept winning the race; nothing was written. */
export class ConcurrencyConflict extends Error {
  override readonly name = 'ConcurrencyConflict';
  constructor(
    readonly stream: string,
    readonly attempts: number,
  ) {
    super(`${stream} kept changing: gave up after ${attempts} attempts`);
  }
}

export interface HandleCommandOptions<Command, State> {
  /** Attempts whose decision another writer's state-changing events made stale; the last gives up. */
  readonly maxAttempts?: number;
  readonly cache?: StreamStateCache<State>;
  /** Shared by the process's commands: those on one stream take turns instead of racing. */
  readonly queue?: StreamQueue;
  /**
   * Who may send this command, judged on the current state before anything else answers: a
   * replayed answer (revision, position) is no more for another agency than a fresh one.
   */
  readonly authorize?: (command: Command, state: State) => void;
  /**
   * The digest an Idempotency-Key is bound to (default: SHA-256 of the canonical JSON). A command
   * holding personal data is digested under its subject's key (an HMAC), so the digest kept in
   * the log neither confirms a guess of the data nor outlives its erasure.
   */
  readonly digest?: (command: Command) => Promise<string>;
}

/**
 * Losing the append only to events that left the state as it was (notes) cannot change the
 * decision, so such a retry is not counted against `maxAttempts`; this ceiling still bounds a
 * command that loses to another process's stream of notes without pause.
 */
const FREE_RETRIES = 100;

/**
 * The one command handler: read the stream, fold it, check access, answer a retried
 * Idempotency-Key, decide, append at the revision read. With a cache, the first try skips the
 * read and decides on the cached fold (the append at its revision fails if the stream moved on,
 * and refusals and replays are answered only on a state just read). On a concurrent write it re-reads and
 * re-decides (bounded), unless the client made the command conditional (`ifRevision`), which
 * then fails with `PreconditionFailed`. Domain rules throw from `decide` before anything is written.
 */
export function handleCommand<Command extends { type: string }, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  stream: string,
  command: Command,
  envelope: CommandEnvelope,
  options: HandleCommandOptions<Command, State> = {},
): Promise<CommandResult> {
  const handle = () => decideAndAppend(store, decider, stream, command, envelope, options);
  return options.queue ? options.queue.run(stream, handle) : handle();
}

async function decideAndAppend<Command extends { type: string }, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  stream: string,
  command: Command,
  envelope: CommandEnvelope,
  options: HandleCommandOptions<Command, State>,
): Promise<CommandResult> {
  const maxAttempts = options.maxAttempts ?? 10;
  const cache = options.cache ?? new StreamStateCache<State>();
  const key = envelope.idempotencyKey;
  const digest =
    key === undefined ? undefined : options.digest ? await options.digest(command) : commandDigest(command);
  let attempts = 0;
  let decidedOn: State | undefined;
  // The first try decides on the cached fold without reading the stream: if the stream moved on
  // since (another process wrote to it), the append at the cached revision fails and the next try
  // reads what the cache missed. Any other answer (a refusal, a replay, a no-op, a failed
  // If-Match) is given only on a state just read.
  let trustCache = true;
  for (let tries = 1; tries <= maxAttempts + FREE_RETRIES; tries++) {
    const cached = cache.get(stream);
    const verified = !trustCache || cached === undefined;
    trustCache = false;
    const known = verified ? await catchUp(store, decider, stream, cached) : cached;
    if (verified) cache.set(stream, known);
    // After losing only to events that left the state as it was, the decision cannot change: a free retry.
    const counts = attempts === 0 || known.state !== decidedOn;
    if (counts && ++attempts > maxAttempts) break;
    const current = known.revision < 0n ? 'no_stream' : known.revision;
    // A try on the cached state that would answer anything but an append reads the stream first,
    // and does not count: nothing was decided.
    const readFirst = () => {
      attempts = 0;
    };

    const earlier = key === undefined ? undefined : known.idempotency.get(key);
    const failedIfMatch =
      envelope.ifRevision !== undefined && current !== envelope.ifRevision
        ? new PreconditionFailed(stream, envelope.ifRevision, current)
        : undefined;
    if (!verified && (earlier || failedIfMatch)) {
      readFirst();
      continue;
    }
    const now = envelope.now();
    let events: Event[];
    try {
      options.authorize?.(command, known.state);
      if (earlier) return replay(stream, earlier, digest, envelope.actor);
      if (failedIfMatch) throw failedIfMatch;
      events = decider.decide(command, known.state, { actor: envelope.actor, now });
    } catch (error) {
      if (verified) throw error;
      readFirst();
      continue;
    }
    decidedOn = known.state;
    // Nothing to record (an erasure already done, a hold already set): answer where the stream stands.
    if (events.length === 0) {
      if (verified) return unchanged(store, stream, known.revision);
      readFirst();
      continue;
    }
    // Keys in the order the stored (canonical) text has them, so writing it needs no sort.
    const metadata = {
      actor: actorOf(envelope.actor),
      causationId: envelope.causationId ?? envelope.correlationId,
      command: command.type,
      ...(key === undefined ? {} : { commandDigest: digest }),
      correlationId: envelope.correlationId,
      ...(key === undefined ? {} : { idempotencyKey: key }),
      recordedAt: now.toISOString(),
    };
    try {
      const result = await store.append(
        stream,
        events.map((event) => toEventData(event, metadata)),
        { expectedRevision: current },
      );
      const eventTypes = events.map((event) => event.type);
      known.idempotency.take(result.nextExpectedRevision, key, {
        position: result.position,
        eventTypes,
        commandDigest: digest,
        agency: envelope.actor.agency.id,
      });
      cache.set(stream, {
        revision: result.nextExpectedRevision,
        state: events.reduce((state, event) => decider.evolve(state, event), known.state),
        idempotency: known.idempotency,
      });
      return { stream, revision: result.nextExpectedRevision, position: result.position, eventTypes, replayed: false };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      // The cache was behind: read what it missed and decide again, at once.
      if (!verified) continue;
      if (envelope.ifRevision !== undefined) throw new PreconditionFailed(stream, envelope.ifRevision, error.actual);
      // Writers that lost together would otherwise re-read together and collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * Math.min(tries, maxAttempts)));
    }
  }
  throw new ConcurrencyConflict(stream, maxAttempts);
}

async function unchanged(store: EventStore, stream: string, revision: bigint): Promise<CommandResult> {
  const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
  const position = last?.position ?? { commit: -1n, prepare: -1n };
  return { stream, revision, position, eventTypes: [], replayed: false };
}

/** The first answer to this key, if this is the same command from the same agency; else a refusal. */
function replay(stream: string, earlier: IdempotentResult, digest: string | undefined, actor: Actor): CommandResult {
  // Keys written before digests were kept can only be trusted as they always were.
  const sameCommand = earlier.commandDigest === undefined || earlier.commandDigest === digest;
  const sameAgency = earlier.agency === undefined || earlier.agency === actor.agency.id;
  if (!sameCommand || !sameAgency) throw new IdempotencyKeyReused(stream);
  const { revision, position, eventTypes } = earlier;
  return { stream, revision, position, eventTypes, replayed: true };
}

/** The cached fold of `stream` brought up to date with the events written since. */
async function catchUp<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  stream: string,
  cached: CachedStream<State> | undefined,
): Promise<CachedStream<State>> {
  const from = cached ? cached.revision + 1n : 0n;
  const recorded = await store.readStream(stream, { fromRevision: from });
  if (cached && recorded.length === 0) return cached;
  let state = cached?.state ?? decider.initialState;
  let revision = cached?.revision ?? -1n;
  const idempotency = cached?.idempotency ?? new IdempotencyKeys();
  for (const event of recorded) {
    const metadata = metadataOf(event);
    state = decider.evolve(state, toDomainEvent<Event>(event));
    revision = event.revision;
    const key = metadata?.idempotencyKey;
    if (key === undefined) idempotency.take(event.revision);
    else
      idempotency.take(event.revision, key, {
        position: event.position,
        eventTypes: [event.type],
        commandDigest: metadata?.commandDigest,
        agency: metadata?.actor?.agency,
      });
  }
  return { revision, state, idempotency };
}
