import { canonicalJson } from './canonical-json';
import { CHAIN_HASH_KEY } from './event-hash';

/**
 * How the chain hash sits in stored metadata text: appended as the last member of the canonical
 * metadata, `…,"chainHash":"<64 hex>"}`. Appending (rather than sorting it in) keeps the text
 * without the hash exactly the canonical text that was hashed, so a reader takes it off by slicing.
 */
const SUFFIX_LENGTH = `"${CHAIN_HASH_KEY}":"`.length + 64 + 2; // "chainHash":"<hex>"}
const MEMBER = `"${CHAIN_HASH_KEY}":"`;

/** Stored metadata text: the canonical metadata text (without a hash) with `hash` appended. */
export function withChainHash(metadataJson: string, hash: string): string {
  const member = `${MEMBER}${hash}"}`;
  return metadataJson === '{}' ? `{${member}` : `${metadataJson.slice(0, -1)},${member}`;
}

/**
 * Stored metadata text split into the text the hash covers and the hash. The usual shape (as
 * `withChainHash` writes it) is split by slicing; anything else (a store edited by hand, an
 * event written before chaining) is parsed, and its text without the hash made canonical.
 */
export function splitChainHash(stored: string): { metadataJson: string; chainHash: string | undefined } {
  const cut = stored.length - SUFFIX_LENGTH;
  if (cut >= 1 && stored.startsWith(MEMBER, cut) && stored.endsWith('"}')) {
    const hash = stored.slice(cut + MEMBER.length, stored.length - 2);
    const before = stored[cut - 1];
    // Not checked to be hex here (this runs on every read): a hash that is not one never verifies.
    if (before === ',' || (before === '{' && cut === 1)) {
      return { metadataJson: before === '{' ? '{}' : `${stored.slice(0, cut - 1)}}`, chainHash: hash };
    }
  }
  if (!stored.includes(MEMBER)) return { metadataJson: stored, chainHash: undefined };
  const { metadata, chainHash } = withoutChainHash(JSON.parse(stored) as unknown);
  return { metadataJson: canonicalJson(metadata), chainHash };
}

/** Parsed metadata split into the metadata readers see and the chain hash (the same object when it has none). */
export function withoutChainHash(metadata: unknown): { metadata: unknown; chainHash: string | undefined } {
  if (metadata === null || typeof metadata !== 'object' || !(CHAIN_HASH_KEY in metadata)) {
    return { metadata, chainHash: undefined };
  }
  const { [CHAIN_HASH_KEY]: hash, ...rest } = metadata as Record<string, unknown>;
  return { metadata: rest, chainHash: typeof hash === 'string' ? hash : undefined };
}
