import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { ProjectedEvent, Projection } from '../../../libs/read-models/src';
import { ProjectionInstance } from '../../../libs/read-models/src/engine/projection-instance';

// A case view of about 2 kB per case, as a stand-in for the real ones.
const caseView: Projection<{ notes: number }> = {
  name: 'sized',
  entityOf: (event) => event.stream,
  initialState: { notes: 0 },
  evolve: (state) => ({ notes: state.notes + 1 }),
  outputs: (stream, state) => ({
    documents: { [`sized:${stream}`]: { notes: state.notes, summary: 'x'.repeat(1_000) } },
    members: [['sized:cases', stream, state.notes]],
  }),
};

describe("a projection's cache of entity states", () => {
  let redis: Redis;
  beforeEach(() => {
    redis = new Redis(process.env.TEST_REDIS_URL!);
  });
  afterEach(() => redis.disconnect());

  const noteOn = (stream: string, n: number): ProjectedEvent => ({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: 'NoteAdded',
    data: {},
    stream,
    revision: 0n,
    position: { commit: BigInt(n), prepare: BigInt(n) },
    recordedAt: new Date().toISOString(),
  });

  it('stays within its bound in bytes, dropping the least recently used entities first', async () => {
    const instance = new ProjectionInstance(caseView, `test-${randomUUID()}`, { cacheBytes: 100_000 });
    const streams = Array.from({ length: 200 }, () => `case-${randomUUID()}`);
    (await instance.prepare(streams.map(noteOn), redis)).commit();

    const { entities, bytes } = instance.cached;
    expect(bytes).toBeLessThanOrEqual(100_000);
    expect(entities).toBeGreaterThan(10);
    expect(entities).toBeLessThan(200);
    // The latest case folds on from its cached state; the first was dropped, so it is read again
    // from Redis (here never written by a runner, so it starts afresh).
    const again = await instance.prepare([noteOn(streams[199]!, 201), noteOn(streams[0]!, 202)], redis);
    const states = again.commands
      .filter(([name, , value]) => name === 'set' && !String(value).includes('summary'))
      .map(([, , state]) => state);
    expect(states).toEqual([JSON.stringify({ notes: 2 }), JSON.stringify({ notes: 1 })]);
  });
});
