/**
 * A case's disclosure bundle (issue 16, item 4): one JSON file that anyone can check offline with
 * `libs/audit/verify-bundle.mjs` and nothing else. What the verifier checks is what this builds:
 * the signed tree head and its public key, and each event as stored (the canonical texts of its
 * data and metadata, personal fields sealed), with its chain hash, its leaf index in the Merkle
 * tree over `$all` and the inclusion proof of that leaf in the signed tree. Beside them go what a
 * person reads: the reader's redacted timeline and a rendering of it, which the verifier does not
 * vouch for (they are derived for one reader; the stored events are what is proven).
 *
 * An event written before the store chained events has no chain hash (`null`): its leaf is its
 * canonical text (chain/event-hash.ts `auditLeafBytes`), and its stream's next event chains from
 * the genesis hash again, as the adapters chained it.
 */
import { canonicalJson } from '../chain/canonical-json';
import { type Hash } from '../merkle/hashing';
import { type SignedTreeHead, type SignedTreeHeadJson, signedTreeHeadToJson } from '../tree-heads/tree-head';

export const DISCLOSURE_BUNDLE_FORMAT = 'marac-disclosure-bundle/1';

/** An event as read back from the store, with where its leaf is and the proof of it. */
export interface ProvenEvent {
  readonly stream: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  /** The metadata readers see (the store took the chain hash off). */
  readonly metadata: unknown;
  /** Absent for an event written before the store chained events: its leaf is its canonical text. */
  readonly chainHash: string | undefined;
  readonly leafIndex: number;
  readonly inclusionProof: readonly Hash[];
}

export interface DisclosureBundleSource {
  readonly caseId: string;
  readonly exportedAt: Date;
  readonly exportedBy: { readonly userId: string; readonly role: string; readonly agency: string };
  readonly reason: string | undefined;
  readonly treeHead: SignedTreeHead;
  readonly publicKeyPem: string;
  readonly events: readonly ProvenEvent[];
  /** How many of the case's events were recorded after the tree head (not in this bundle yet). */
  readonly notYetCovered: number;
  /** The reader's redacted timeline (the replay's steps). */
  readonly timeline: unknown;
  /** A human-readable rendering of the timeline (HTML). */
  readonly html: string;
}

export interface DisclosureBundle {
  readonly format: typeof DISCLOSURE_BUNDLE_FORMAT;
  readonly caseId: string;
  readonly exportedAt: string;
  readonly exportedBy: DisclosureBundleSource['exportedBy'];
  readonly reason: string | null;
  readonly treeHead: SignedTreeHeadJson;
  readonly publicKey: string;
  readonly events: readonly {
    readonly stream: string;
    readonly revision: number;
    readonly type: string;
    readonly dataJson: string;
    readonly metadataJson: string;
    readonly chainHash: string | null;
    readonly leafIndex: number;
    readonly inclusionProof: readonly string[];
  }[];
  readonly notYetCovered: number;
  readonly timeline: unknown;
  readonly html: string;
}

/**
 * The bundle. The texts are the canonical JSON of what was stored (the embedded store keeps exactly
 * that text; an EventStoreDB event's bytes were written from it), so the verifier's hash over them
 * is the store's. Events go stream by stream, each stream from its first event.
 */
export function disclosureBundle(source: DisclosureBundleSource): DisclosureBundle {
  const events = [...source.events]
    .sort((a, b) => (a.stream === b.stream ? Number(a.revision - b.revision) : a.stream < b.stream ? -1 : 1))
    .map((event) => ({
      stream: event.stream,
      revision: Number(event.revision),
      type: event.type,
      dataJson: canonicalJson(event.data),
      metadataJson: canonicalJson(event.metadata ?? {}),
      chainHash: event.chainHash ?? null,
      leafIndex: event.leafIndex,
      inclusionProof: event.inclusionProof.map((hash) => hash.toString('base64')),
    }));
  return {
    format: DISCLOSURE_BUNDLE_FORMAT,
    caseId: source.caseId,
    exportedAt: source.exportedAt.toISOString(),
    exportedBy: source.exportedBy,
    reason: source.reason ?? null,
    treeHead: signedTreeHeadToJson(source.treeHead),
    publicKey: source.publicKeyPem,
    events,
    notYetCovered: source.notYetCovered,
    timeline: source.timeline,
    html: source.html,
  };
}
