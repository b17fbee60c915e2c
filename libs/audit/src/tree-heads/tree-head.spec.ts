/** The signed bytes of a tree head (TreeHeadDataV2 of RFC 9162 section 4.10 after a context and key id), and its JSON. */
import {
  type SignedTreeHead,
  TREE_HEAD_SIGNED_BYTES,
  signedTreeHeadFromJson,
  signedTreeHeadToJson,
  treeHeadSignedBytes,
} from './tree-head';

const head = {
  treeSize: 0x0102030405,
  rootHash: Buffer.alloc(32, 0xaa),
  timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  keyId: Buffer.alloc(32, 0xbb),
};

describe('the signed bytes of a tree head', () => {
  it('are the context, the key id, then TreeHeadDataV2 (timestamp, tree size, root hash, no extensions)', () => {
    const expected = [
      Buffer.from('marac/audit/tree-head/v1').toString('hex') + '00',
      'bb'.repeat(32),
      head.timestamp.toString(16).padStart(16, '0'),
      '0000000102030405',
      '20' + 'aa'.repeat(32),
      '0000',
    ].join('');
    expect(treeHeadSignedBytes(head).toString('hex')).toBe(expected);
    expect(TREE_HEAD_SIGNED_BYTES).toBe(108);
  });

  it('are refused for fields that are not a tree head’s', () => {
    expect(() => treeHeadSignedBytes({ ...head, treeSize: -1 })).toThrow(/treeSize/);
    expect(() => treeHeadSignedBytes({ ...head, treeSize: 2 ** 53 })).toThrow(/treeSize/);
    expect(() => treeHeadSignedBytes({ ...head, timestamp: 1.5 })).toThrow(/timestamp/);
    expect(() => treeHeadSignedBytes({ ...head, rootHash: Buffer.alloc(31) })).toThrow(/rootHash/);
    expect(() => treeHeadSignedBytes({ ...head, keyId: Buffer.alloc(33) })).toThrow(/keyId/);
  });
});

describe('a signed tree head as JSON', () => {
  const signed: SignedTreeHead = { ...head, signature: Buffer.alloc(64, 0xcc) };

  it('round-trips, with the signing time also as ISO 8601', () => {
    const json = signedTreeHeadToJson(signed);
    expect(json.signedAt).toBe('2026-01-02T03:04:05.678Z');
    expect(signedTreeHeadFromJson(JSON.parse(JSON.stringify(json)))).toEqual(signed);
  });

  it('is refused when a field is missing, mistyped, not base64 or the wrong length', () => {
    const json = signedTreeHeadToJson(signed);
    for (const bad of [
      null,
      'head',
      { ...json, treeSize: '5' },
      { ...json, rootHash: undefined },
      { ...json, rootHash: 'not base64!' },
      { ...json, keyId: Buffer.alloc(31).toString('base64') },
      { ...json, signature: Buffer.alloc(63).toString('base64') },
      { ...json, timestamp: -1 },
    ]) {
      expect(signedTreeHeadFromJson(bad)).toBeUndefined();
    }
  });
});
