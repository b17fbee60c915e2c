import { IdempotencyKeys } from './idempotency-keys';
import { StreamStateCache, type CachedStream } from './stream-state-cache';

describe('the stream-state cache', () => {
  const remembering = (keys: IdempotencyKeys, count: number, from = 0) => {
    for (let n = from; n < from + count; n++) {
      keys.take(BigInt(n), `key-${n}`, {
        position: { commit: BigInt(n), prepare: BigInt(n) },
        eventTypes: ['NoteAdded'],
        commandDigest: 'd'.repeat(64),
        agency: 'police-west',
      });
    }
    return keys;
  };
  const keyed = (keys: number): CachedStream<{ stage: string }> => ({
    revision: BigInt(keys - 1),
    state: { stage: 'identified' },
    idempotency: remembering(new IdempotencyKeys(), keys),
  });

  it('drops the least recently used streams once their estimated bytes pass its bound, however few', () => {
    const measure = new StreamStateCache<{ stage: string }>(Infinity);
    measure.set('case-a', keyed(100));
    const cache = new StreamStateCache<{ stage: string }>(2.5 * measure.bytes);
    cache.set('case-a', keyed(100));
    cache.set('case-b', keyed(100));
    expect(cache.get('case-a')).toBeDefined(); // now the most recently used
    cache.set('case-c', keyed(100));

    expect(cache.get('case-b')).toBeUndefined();
    expect(cache.get('case-a')).toBeDefined();
    expect(cache.get('case-c')).toBeDefined();
    expect(cache.bytes).toBeLessThanOrEqual(2.5 * measure.bytes);
  });

  it('counts what a stream has grown to each time it is set: a stream of many keyed commands pushes others out', () => {
    const measure = new StreamStateCache<{ stage: string }>(Infinity);
    measure.set('case-busy', keyed(100));
    const cache = new StreamStateCache<{ stage: string }>(measure.bytes);
    cache.set('case-quiet', keyed(1));
    const busy = keyed(1);
    cache.set('case-busy', busy);
    remembering(busy.idempotency, 99, 1);
    cache.set('case-busy', busy);

    expect(cache.get('case-quiet')).toBeUndefined();
    expect(cache.get('case-busy')).toBe(busy);
  });

  it('holds nothing bigger than its bound', () => {
    const cache = new StreamStateCache<{ stage: string }>(10_000);
    cache.set('case-huge', keyed(1_000));

    expect(cache.get('case-huge')).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });
});
