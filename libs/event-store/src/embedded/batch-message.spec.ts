import { decodeBatch, decodeOutcomes, encodeBatch, encodeOutcomes } from './batch-message';
import type { AppendOutcome, AppendRequest } from './commit-batch';

describe('a batch as it crosses to the commit thread', () => {
  it('comes back as it went: streams, expectations of every kind, several events an append, in order', () => {
    const event = (n: number) => ({
      id: `id-${n}`,
      type: `T${n}`,
      data: `{"n":${n}}`,
      metadata: '{"schemaVersion":1}',
      // Fields the commit thread is to seal cross as text beside the event's ('' for none).
      seal: n % 2 ? '' : `[[["personal","text"],"key-${n}","${Buffer.alloc(32, n).toString('base64')}"]]`,
    });
    const batch: AppendRequest[] = [
      { stream: 'case-a', expected: 'any', events: [event(1)] },
      { stream: 'case-b', expected: 7n, events: [event(2), event(3), event(4)] },
      { stream: 'case-c', expected: 'no_stream', events: [event(5)] },
      { stream: 'case-d', expected: 'stream_exists', events: [event(6), event(7)] },
      { stream: 'case-e', expected: 0n, events: [event(8)] },
    ];
    expect(decodeBatch(structuredClone(encodeBatch(batch)))).toEqual(batch);
  });

  it('and its outcomes come back: written, and refused with the actual revision or no stream', () => {
    const outcomes: AppendOutcome[] = [
      { ok: true, revision: 0n, position: 1n },
      { ok: false, actual: 'no_stream' },
      { ok: false, actual: 0n },
      { ok: true, revision: 12n, position: 9_007_199_254_740_993n },
      { ok: false, actual: 41n },
    ];
    expect(decodeOutcomes(structuredClone(encodeOutcomes(outcomes)))).toEqual(outcomes);
  });
});
