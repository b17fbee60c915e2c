import {
  canonicalJson,
  ChainVerifier,
  splitChainHash,
  type ChainVerification,
  type StoredEvent,
  type TreeHeadToMatch,
} from '@app/audit';
import { isSystemEvent, SqliteEventStore, type EventStore } from '@app/event-store';

export interface VerifyStoreOptions {
  /** The latest signed tree head: its size (the store must hold at least that many events) and root. */
  readonly treeHead?: TreeHeadToMatch;
  /** Called every `progressEvery` events with the count so far. */
  readonly progress?: (events: number) => void;
  readonly progressEvery?: number;
  /** Accept events written before chaining (a migration reading an old store): see `ChainVerifierOptions`. */
  readonly allowUnchained?: boolean;
}

/**
 * Re-reads the whole store in `$all` order and verifies every stream's hash chain (`ChainVerifier`):
 * the first altered, removed, reordered or inserted event, or all well with the counts. The
 * embedded store is read as stored text (what the hashes cover, no JSON parsing); any other
 * adapter through `readAll`, each event's data and metadata made canonical again.
 * System events (`$`-prefixed) are left out, as `readAll` leaves them out.
 */
export async function verifyStore(store: EventStore, options: VerifyStoreOptions = {}): Promise<ChainVerification> {
  const verifier = new ChainVerifier({ treeHead: options.treeHead, allowUnchained: options.allowUnchained });
  const every = options.progressEvery ?? 100_000;
  let events = 0;
  const feed = (event: StoredEvent): boolean => {
    if (++events % every === 0) options.progress?.(events);
    return verifier.add(event);
  };
  if (store instanceof SqliteEventStore) {
    for (const row of store.storedEvents()) {
      if (isSystemEvent(row.stream, row.type)) continue;
      const { metadataJson, chainHash } = splitChainHash(row.metadata);
      const more = feed({
        position: BigInt(row.position),
        stream: row.stream,
        revision: row.revision,
        type: row.type,
        dataJson: row.data,
        metadataJson,
        chainHash,
      });
      if (!more) break;
    }
  } else {
    for await (const event of store.readAll()) {
      const more = feed({
        position: event.position.commit,
        stream: event.stream,
        revision: event.revision,
        type: event.type,
        dataJson: canonicalJson(event.data),
        metadataJson: canonicalJson(event.metadata ?? {}),
        chainHash: event.chainHash,
      });
      if (!more) break;
    }
  }
  return verifier.result();
}

/** The verdict as the operator reads it. */
export function describeVerification(result: ChainVerification): string {
  const counts = `${result.events} events in ${result.streams} streams`;
  if (result.ok) return `all is well: every stream's hash chain verifies (${counts})`;
  const { kind, stream, revision, position, detail } = result.finding;
  const where = stream === undefined ? '' : ` stream ${stream}, revision ${revision}, position ${position}:`;
  return `${kind.toUpperCase()}:${where} ${detail} (read ${counts} up to the finding)`;
}
