import { IdempotencyKeys } from './idempotency-keys';

describe("a stream's Idempotency-Keys", () => {
  const answer = (type: string) => ({
    position: { commit: 1n, prepare: 1n },
    eventTypes: [type],
    commandDigest: 'digest',
    agency: 'police-west',
  });

  it("remembers only the stream's latest keyed commands, forgetting the oldest first", () => {
    const keys = new IdempotencyKeys(3);
    keys.take(0n); // an event without a key
    for (const n of [1, 2, 3, 4]) keys.take(BigInt(n), `key-${n}`, answer('NoteAdded'));

    expect(keys.size).toBe(3);
    expect(keys.get('key-1')).toBeUndefined();
    expect(keys.get('key-4')).toMatchObject({ revision: 4n, eventTypes: ['NoteAdded'] });
  });

  it("gathers one command's events, and takes in each revision once however often it is folded", () => {
    const keys = new IdempotencyKeys();
    keys.take(1n, 'key-1', answer('PotentialVictimIdentified'));
    keys.take(2n, 'key-1', answer('CaseAssigned'));
    keys.take(1n, 'key-1', answer('PotentialVictimIdentified'));
    keys.take(2n, 'key-1', answer('CaseAssigned'));

    expect(keys.get('key-1')).toMatchObject({
      revision: 2n,
      eventTypes: ['PotentialVictimIdentified', 'CaseAssigned'],
    });
  });
});
