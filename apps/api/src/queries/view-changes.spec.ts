import { asJson, viewChanges } from './view-changes';

describe('viewChanges: the fields of a view an event changed', () => {
  it('names each changed field by its path, objects field by field, lists and values whole', () => {
    const before = asJson({ stage: 'referred', keyDates: { referredOn: '2026-03-01', rgOn: null }, decisions: [] });
    const after = asJson({
      stage: 'recovery_period',
      keyDates: { referredOn: '2026-03-01', rgOn: '2026-03-04' },
      decisions: [{ kind: 'reasonable_grounds', outcome: 'positive' }],
    });
    expect(viewChanges(before, after)).toEqual([
      { path: 'stage', before: 'referred', after: 'recovery_period' },
      { path: 'keyDates.rgOn', before: null, after: '2026-03-04' },
      { path: 'decisions', before: [], after: [{ kind: 'reasonable_grounds', outcome: 'positive' }] },
    ]);
  });

  it('shows an object appearing or going whole, and a field gone as null', () => {
    expect(viewChanges(asJson({ placement: null, a: 1 }), asJson({ placement: { id: 'p' } }))).toEqual([
      { path: 'placement', before: null, after: { id: 'p' } },
      { path: 'a', before: 1, after: null },
    ]);
  });

  it('finds nothing between equal views, undefined fields counting as absent', () => {
    expect(viewChanges(asJson({ a: { b: [1, { c: 2 }] }, d: undefined }), asJson({ a: { b: [1, { c: 2 }] } }))).toEqual(
      [],
    );
  });

  it('turns the earlier view into the later one when each `after` is set at its path', () => {
    const before = asJson({ a: { b: 1, c: { d: 2 } }, e: [1] });
    const after = asJson({ a: { b: 3, c: null }, e: [1, 2], f: 'new' });
    const applied = structuredClone(before) as Record<string, unknown>;
    for (const change of viewChanges(before, after)) {
      const keys = change.path.split('.');
      let target = applied;
      for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
      target[keys.at(-1)!] = change.after;
    }
    expect(applied).toEqual(after);
  });
});
