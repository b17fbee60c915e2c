import type Redis from 'ioredis';
import type { ProjectedEvent, Projection } from './projection';
import { ProjectionInstance } from './projection-instance';

/** Counts a stream's `Counted` events; every other event leaves the state as it was. */
const counting: Projection<{ count: number }> = {
  name: 'counting',
  entityOf: (event) => event.stream,
  initialState: { count: 0 },
  evolve: (state, event) => (event.type === 'Counted' ? { count: state.count + 1 } : state),
  outputs: (entity, state) => ({ documents: { [`count:${entity}`]: state.count } }),
};

let commit = 0;
const event = (stream: string, type: string, revision: number): ProjectedEvent => ({
  id: `event-${++commit}`,
  type,
  data: {},
  stream,
  revision: BigInt(revision),
  position: { commit: BigInt(commit), prepare: BigInt(commit) },
  recordedAt: '2026-01-01T00:00:00.000Z',
});

/** Redis as a new generation holds it: no entity written yet. */
const empty = { mget: async (...keys: string[]) => keys.map(() => null) } as unknown as Redis;

describe('ProjectionInstance: events a projection ignores', () => {
  it('writes nothing for an event whose evolve hands back the state it was given', async () => {
    const instance = new ProjectionInstance(counting, 'rm');
    const first = await instance.prepare([event('s-1', 'Counted', 0)], empty);
    expect(first.commands).toContainEqual(['set', instance.keys.state('s-1'), '{"count":1}']);
    first.commit();

    const ignored = await instance.prepare([event('s-1', 'Noted', 1), event('s-2', 'Noted', 0)], empty);
    expect(ignored.commands).toEqual([]);
    ignored.commit();

    const next = await instance.prepare([event('s-1', 'Counted', 2)], empty);
    expect(next.commands).toContainEqual(['set', instance.keys.state('s-1'), '{"count":2}']);
  });

  it('replaying, keeps the state of a stream whose batch it ignored, for the stream’s next batch', async () => {
    const instance = new ProjectionInstance(counting, 'rm', { replay: true });
    // A replay's writes are pipelined: the state of an earlier batch may not be in Redis yet.
    (await instance.prepare([event('s-1', 'Counted', 0)], empty)).commit();
    (await instance.prepare([event('s-1', 'Noted', 1)], empty)).commit();
    const next = await instance.prepare([event('s-1', 'Counted', 2)], empty);
    expect(next.commands).toContainEqual(['set', instance.keys.state('s-1'), '{"count":2}']);
  });
});
