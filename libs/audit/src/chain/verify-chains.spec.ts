import { canonicalJson } from './canonical-json';
import { canonicalEventText, chainHash, GENESIS_HASH } from './event-hash';
import { ChainVerifier, type StoredEvent, type TreeHeadToMatch } from './verify-chains';

/** A log of chained events, as an adapter writes them, positions from 1 in `$all` order. */
function chainedLog(entries: readonly (readonly [stream: string, data: unknown])[]): StoredEvent[] {
  const heads = new Map<string, { revision: number; hash: string }>();
  return entries.map(([stream, data], index) => {
    const head = heads.get(stream);
    const revision = head ? head.revision + 1 : 0;
    const content = { stream, revision, type: 'Noted', dataJson: canonicalJson(data), metadataJson: '{}' };
    const hash = chainHash(head ? head.hash : GENESIS_HASH, canonicalEventText(content));
    heads.set(stream, { revision, hash });
    return { ...content, position: BigInt(index + 1), chainHash: hash };
  });
}

function verify(events: readonly StoredEvent[], treeHead?: TreeHeadToMatch, allowUnchained = false) {
  const verifier = new ChainVerifier({ treeHead, allowUnchained });
  for (const event of events) if (!verifier.add(event)) break;
  return verifier.result();
}

// Three interleaved streams: a = positions 1, 4, 7; b = 2, 5, 8; c = 3, 6, 9.
const log = chainedLog(Array.from({ length: 9 }, (_, n) => [`case-${'abc'[n % 3]}`, { n }] as const));
const at = (position: number) => log[position - 1]!;

describe('verifying the hash chains of a log', () => {
  it('says all is well with the counts when nothing was touched', () => {
    expect(verify(log)).toEqual({ ok: true, events: 9, streams: 3 });
  });

  it('names an event whose content changed', () => {
    const edited = log.map((e) => (e.position === 5n ? { ...e, dataJson: '{"n":40}' } : e));
    expect(verify(edited)).toMatchObject({
      ok: false,
      finding: { kind: 'altered', stream: 'case-b', revision: 1n, position: 5n },
    });
  });

  it('names an event whose hash alone changed', () => {
    const edited = log.map((e) => (e.position === 7n ? { ...e, chainHash: 'f'.repeat(64) } : e));
    expect(verify(edited)).toMatchObject({ ok: false, finding: { kind: 'altered', stream: 'case-a', position: 7n } });
  });

  it('names the revision removed from the middle of a stream, where the jump shows', () => {
    expect(verify(log.filter((e) => e.position !== 4n))).toMatchObject({
      ok: false,
      finding: { kind: 'removed', stream: 'case-a', revision: 1n, position: 7n },
    });
    expect(verify(log.filter((e) => e.position !== 2n))).toMatchObject({
      ok: false,
      finding: { kind: 'removed', stream: 'case-b', revision: 0n, position: 5n },
    });
  });

  it('names the event that stands before an earlier revision of its stream', () => {
    const swapped = log.map((e) =>
      e.position === 4n ? { ...at(7), position: 4n } : e.position === 7n ? { ...at(4), position: 7n } : e,
    );
    expect(verify(swapped)).toMatchObject({
      ok: false,
      finding: { kind: 'reordered', stream: 'case-a', revision: 2n, position: 4n },
    });
  });

  it('names an event put into a stream whose later events were renumbered to make room', () => {
    const forged = { ...at(4), dataJson: '{"n":"forged"}', chainHash: 'e'.repeat(64), position: 10n };
    const renumbered = log.map((e) =>
      e.stream === 'case-a' && e.revision >= 1 ? { ...e, revision: Number(e.revision) + 1 } : e,
    );
    expect(verify([...renumbered, forged])).toMatchObject({
      ok: false,
      finding: { kind: 'inserted', stream: 'case-a', revision: 1n, position: 10n },
    });
  });

  it('names a second event at a revision already seen', () => {
    expect(verify([...log, { ...at(5), position: 10n }])).toMatchObject({
      ok: false,
      finding: { kind: 'inserted', stream: 'case-b', revision: 1n, position: 10n },
    });
  });

  it('names an event without a chain hash', () => {
    const edited = log.map((e) => (e.position === 6n ? { ...e, chainHash: undefined } : e));
    expect(verify(edited)).toMatchObject({ ok: false, finding: { kind: 'unchained', stream: 'case-c', position: 6n } });
  });

  it('accepts events written before chaining when asked, the next event of the stream chaining from zero bytes', () => {
    // case-c's first event (position 3) written before chaining; the adapter chained its next from zero bytes.
    const relinked = chainedLog(
      log.filter((e) => e.position !== 3n).map((e) => [e.stream, JSON.parse(e.dataJson)] as const),
    ).map((e) => (e.stream === 'case-c' ? { ...e, revision: Number(e.revision) + 1 } : e));
    const legacy = { ...at(3), chainHash: undefined };
    const mixed = [...relinked.slice(0, 2), legacy, ...relinked.slice(2)].map((e, i) => ({
      ...e,
      position: BigInt(i + 1),
    }));
    // The relinked case-c events were hashed at revisions 0, 1: rehash them where they now stand.
    const rechained = mixed.map((e) => e);
    let previous = GENESIS_HASH;
    for (const [i, e] of rechained.entries()) {
      if (e.stream !== 'case-c' || e.chainHash === undefined) continue;
      previous = chainHash(previous, canonicalEventText(e));
      rechained[i] = { ...e, chainHash: previous };
    }
    expect(verify(rechained, undefined, true)).toEqual({ ok: true, events: 9, streams: 3, unchained: 1 });
    expect(verify(rechained)).toMatchObject({ ok: false, finding: { kind: 'unchained', position: 3n } });
  });

  it('says the last events were removed when the log is shorter than the signed tree head', () => {
    const truncated = log.slice(0, 7);
    expect(verify(truncated)).toEqual({ ok: true, events: 7, streams: 3 });
    expect(verify(truncated, { size: 9 })).toMatchObject({ ok: false, finding: { kind: 'truncated' }, events: 7 });
    expect(verify(log, { size: 9 })).toEqual({ ok: true, events: 9, streams: 3 });
    expect(verify(log, { size: 8 })).toEqual({ ok: true, events: 9, streams: 3 });
  });

  it("compares the tree head's root when given a Merkle builder", () => {
    const builder = () => {
      const leaves: string[] = [];
      return {
        add: (leaf: Uint8Array) => void leaves.push(Buffer.from(leaf).toString()),
        rootAt: (size: number) => leaves.slice(0, size).join('|'),
      };
    };
    const signed = builder();
    log
      .slice(0, 8)
      .forEach((e) =>
        signed.add(Buffer.from(`{"chainHash":"${e.chainHash}","revision":${e.revision},"stream":"${e.stream}"}`)),
      );
    const root = signed.rootAt(8);
    expect(verify(log, { size: 8, root, merkle: builder() })).toMatchObject({ ok: true });
    expect(verify(log, { size: 8, root: 'other', merkle: builder() })).toMatchObject({
      ok: false,
      finding: { kind: 'altered' },
    });
  });
});
