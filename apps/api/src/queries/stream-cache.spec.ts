import { SqliteEventStore } from '@app/event-store';
import type { ProjectedEvent } from '@app/read-models';
import { CHECKPOINT_EVERY, foldTo, StreamCache } from './stream-cache';

const noted = (count: number, from = 0) =>
  Array.from({ length: count }, (_, index) => ({ type: 'Noted', data: { n: from + index } }));
/** A fold whose every state is new and says which events made it. */
const sum = (state: { total: number; seen: number }, event: ProjectedEvent) => ({
  total: state.total + (event.data as { n: number }).n,
  seen: state.seen + 1,
});
const start = { total: 0, seen: 0 };

describe('StreamCache and foldTo: a stream read once, then only what was appended; folds from checkpoints', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore(':memory:')));
  afterEach(() => store.close());

  it('folds every prefix to what a fold from the first event gives, keeping a checkpoint every so many events', async () => {
    const length = CHECKPOINT_EVERY * 2 + 17;
    await store.append('s-1', noted(length));
    const stream = await new StreamCache(store).read('s-1');
    for (const count of [0, 1, CHECKPOINT_EVERY - 1, CHECKPOINT_EVERY, CHECKPOINT_EVERY + 1, length, length + 5]) {
      const upTo = Math.min(count, length);
      expect(foldTo(stream, count, start, sum)).toEqual({
        total: upTo === 0 ? 0 : (upTo * (upTo - 1)) / 2,
        seen: upTo,
      });
    }
    expect(stream.checkpoints).toHaveLength(2);
    // From a checkpoint, not from the first event: a fold that counts its own steps shows it.
    let steps = 0;
    foldTo(stream, CHECKPOINT_EVERY * 2 + 3, start, (state, event) => (steps++, sum(state, event)));
    expect(steps).toBe(3);
  });

  it('reads again only what was appended since, and a stream a caller holds does not change under it', async () => {
    await store.append('s-1', noted(3));
    const cache = new StreamCache(store);
    const first = await cache.read('s-1');
    await store.append('s-1', noted(2, 3));
    const second = await cache.read('s-1');
    expect(first.recorded.map((event) => event.revision)).toEqual([0n, 1n, 2n]);
    expect(second.recorded.map((event) => event.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(second.recorded[0]).toBe(first.recorded[0]);
    expect(second.events.map((event) => (event.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
    expect(second.checkpoints).toBe(first.checkpoints);
  });

  it('reads a missing stream as empty, and drops the streams read least recently past its bound', async () => {
    const cache = new StreamCache(store, 10);
    expect((await cache.read('s-none')).recorded).toEqual([]);
    await store.append('s-1', noted(8));
    await store.append('s-2', noted(8));
    const one = await cache.read('s-1');
    await cache.read('s-2');
    const again = await cache.read('s-1');
    // Dropped, then read afresh from the store: the same events, new checkpoints.
    expect(again.checkpoints).not.toBe(one.checkpoints);
    expect(again.recorded.map((event) => event.id)).toEqual(one.recorded.map((event) => event.id));
  });
});
