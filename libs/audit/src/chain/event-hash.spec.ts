import { createHash } from 'node:crypto';
import {
  canonicalEventText,
  canonicalEventTextOf,
  chainHash,
  chainHashOf,
  eventLeafBytes,
  GENESIS_HASH,
} from './event-hash';
import { splitChainHash, withChainHash, withoutChainHash } from './metadata-hash';

describe('an event chain hash', () => {
  const event = {
    stream: 'case-1',
    revision: 0n,
    type: 'NoteAdded',
    data: { text: 'synthetic', at: 1 },
    metadata: { actor: { userId: 'u-1' }, schemaVersion: 1 },
  };

  it('is SHA-256 of the previous hash (32 bytes) then the canonical JSON of data, metadata, revision, stream and type', () => {
    const text = canonicalEventTextOf(event);
    expect(text).toBe(
      '{"data":{"at":1,"text":"synthetic"},"metadata":{"actor":{"userId":"u-1"},"schemaVersion":1},"revision":0,"stream":"case-1","type":"NoteAdded"}',
    );
    const expected = createHash('sha256').update(Buffer.alloc(32)).update(Buffer.from(text, 'utf8')).digest('hex');
    expect(chainHash(GENESIS_HASH, text)).toBe(expected);
  });

  it('changes with any byte of the content, the revision, the stream or the previous hash', () => {
    const base = chainHash(GENESIS_HASH, canonicalEventTextOf(event));
    const variants = [
      chainHash(GENESIS_HASH, canonicalEventTextOf({ ...event, data: { text: 'synthetiC', at: 1 } })),
      chainHash(GENESIS_HASH, canonicalEventTextOf({ ...event, revision: 1n })),
      chainHash(GENESIS_HASH, canonicalEventTextOf({ ...event, stream: 'case-2' })),
      chainHash(GENESIS_HASH, canonicalEventTextOf({ ...event, type: 'NoteEdited' })),
      chainHash(GENESIS_HASH, canonicalEventTextOf({ ...event, metadata: { ...event.metadata, schemaVersion: 2 } })),
      chainHash('0'.repeat(63) + '1', canonicalEventTextOf(event)),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('is the same built in place from the parts as from the canonical text, whatever the characters', () => {
    const previous = 'ab'.repeat(32);
    for (const content of [
      { stream: 'case-1', revision: 7n, type: 'NoteAdded', dataJson: '{"text":"plain"}', metadataJson: '{}' },
      {
        stream: 'case-ü',
        revision: 0,
        type: 'Noted·✓',
        dataJson: '{"t":"zwei ✓ 😀 \\u0000"}',
        metadataJson: '{"a":"ß"}',
      },
      {
        stream: 's',
        revision: 1,
        type: 't',
        dataJson: JSON.stringify({ long: 'x'.repeat(100_000) }),
        metadataJson: '{}',
      },
      // Revisions of several digits, and past what a double holds exactly.
      ...[10, 1_234_567, 9_007_199_254_740_993n].map((revision) => ({
        stream: 'read-log-c',
        revision,
        type: 'CaseRead',
        dataJson: '{}',
        metadataJson: '{}',
      })),
    ]) {
      expect(chainHashOf(previous, content)).toBe(chainHash(previous, canonicalEventText(content)));
    }
  });

  it('is the same from stored canonical texts as from the values read back', () => {
    expect(
      canonicalEventText({
        stream: 'case-1',
        revision: 0,
        type: 'NoteAdded',
        dataJson: '{"at":1,"text":"synthetic"}',
        metadataJson: '{"actor":{"userId":"u-1"},"schemaVersion":1}',
      }),
    ).toBe(canonicalEventTextOf(event));
  });
});

describe('the chain hash in stored metadata', () => {
  const hash = 'ab'.repeat(32);

  it('is appended to the canonical text and sliced off again', () => {
    for (const metadata of ['{}', '{"a":1}', '{"a":{"chainHash":"x"},"b":[1]}']) {
      const stored = withChainHash(metadata, hash);
      expect(JSON.parse(stored)).toMatchObject({ chainHash: hash });
      expect(splitChainHash(stored)).toEqual({ metadataJson: metadata, chainHash: hash });
    }
  });

  it('is found by parsing when a hand-edited text moved it', () => {
    expect(splitChainHash(`{"chainHash":"${hash}","b":1,"a":2}`)).toEqual({
      metadataJson: '{"a":2,"b":1}',
      chainHash: hash,
    });
  });

  it('is absent from metadata written before chaining', () => {
    expect(splitChainHash('{"b":1,"a":2}')).toEqual({ metadataJson: '{"b":1,"a":2}', chainHash: undefined });
    expect(withoutChainHash({ a: 1 })).toEqual({ metadata: { a: 1 }, chainHash: undefined });
    expect(withoutChainHash({ a: 1, chainHash: hash })).toEqual({ metadata: { a: 1 }, chainHash: hash });
  });
});

describe('eventLeafBytes', () => {
  it('is the canonical JSON of the stream, revision and chain hash', () => {
    const hash = 'cd'.repeat(32);
    expect(eventLeafBytes({ stream: 'case-1', revision: 3n, chainHash: hash }).toString('utf8')).toBe(
      `{"chainHash":"${hash}","revision":3,"stream":"case-1"}`,
    );
  });

  it('refuses an event without a chain hash', () => {
    expect(() => eventLeafBytes({ stream: 'case-1', revision: 0, chainHash: '' })).toThrow(TypeError);
  });
});
