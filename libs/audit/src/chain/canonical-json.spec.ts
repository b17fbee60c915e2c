import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts the keys of every object by UTF-16 code units, integer-like keys included', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 0, y: 1 }], c: 'x' }, '10': 1, '9': 2, B: 0 })).toBe(
      '{"10":1,"9":2,"B":0,"a":{"c":"x","d":[3,{"y":1,"z":0}]},"b":1}',
    );
  });

  it('writes what JSON.stringify writes for the same value, less the key order', () => {
    const value = { text: 'zwei ✓ "quoted"\n', n: -0.5e-7, big: 1e21, t: true, f: false, z: null, when: new Date(0) };
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(canonicalJson(value)).toBe(
      '{"big":1e+21,"f":false,"n":-5e-8,"t":true,"text":"zwei ✓ \\"quoted\\"\\n","when":"1970-01-01T00:00:00.000Z","z":null}',
    );
  });

  it('leaves out undefined fields, writes null for undefined array items and non-finite numbers', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, NaN, Infinity], c: () => 1 })).toBe('{"b":[null,null,null]}');
  });

  it('gives equal text for equal values built in different orders', () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(canonicalJson({ y: { q: 2, p: 1 }, x: 1 }));
  });

  it('refuses what has no JSON form', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});
