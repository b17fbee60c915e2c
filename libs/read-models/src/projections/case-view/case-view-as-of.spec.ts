import { deadlinesFor, defaultDeadlinePolicy, englandAndWalesCalendar } from '@app/case-domain';
import {
  caseId,
  consentGiven,
  identifiedAdult,
  now,
  referred,
  rgPositive,
} from '@app/case-domain/testing/case-fixtures';
import { onCase, recorded } from '../testing/given-events';
import { caseViewDeadlines, foldWith, recordedBy } from './case-view-as-of';
import { caseViewKeys, caseViewProjection } from './case-view.projection';

const calendar = englandAndWalesCalendar();
const projection = caseViewProjection((state) => deadlinesFor(state, defaultDeadlinePolicy, calendar));
const events = recorded(now, onCase(caseId, identifiedAdult, consentGiven, referred, rgPositive));

describe('the case view as of a point: the live projection folded over a prefix', () => {
  it('folds a prefix to the state the live fold passed through, deadlines from the same outputs', () => {
    const states = events.map((_, index) => foldWith(projection, events.slice(0, index + 1)));
    let live = projection.initialState;
    events.forEach((event, index) => {
      live = projection.evolve(live, event);
      expect(states[index]).toEqual(live);
      const stored = projection.outputs(caseId, live).documents?.[caseViewKeys.deadlines(caseId)];
      expect(caseViewDeadlines(projection, caseId, states[index]!)).toEqual(stored);
    });
    // Each stage's deadline: the RG decision awaited after the referral, the recovery period after it.
    const kinds = (index: number) => caseViewDeadlines(projection, caseId, states[index]!).map((d) => d.kind);
    expect(kinds(2)).toContain('reasonable_grounds_decision');
    expect(kinds(3)).not.toContain('reasonable_grounds_decision');
    expect(kinds(3)).toContain('recovery_period');
  });

  it('continues a fold from a given state', () => {
    const half = foldWith(projection, events.slice(0, 2));
    expect(foldWith(projection, events.slice(2), half)).toEqual(foldWith(projection, events));
  });

  it('gives no deadlines for a state before the case existed', () => {
    expect(caseViewDeadlines(projection, caseId, projection.initialState)).toEqual([]);
  });

  describe('recordedBy: the events recorded at or before an instant', () => {
    const stream = [1_000, 2_000, 2_000, 3_000].map((ms) => ({ recordedAt: new Date(ms) }));

    it.each([
      [999, 0],
      [1_000, 1],
      [1_999, 1],
      [2_000, 3],
      [3_000, 4],
      [9_000, 4],
    ])('at %d ms: the first %d', (at, count) => expect(recordedBy(stream, at)).toBe(count));

    it('stops at the first event recorded after the instant, should a clock have stepped back', () => {
      const stepped = [1_000, 3_000, 2_000].map((ms) => ({ recordedAt: new Date(ms) }));
      expect(recordedBy(stepped, 2_500)).toBe(1);
    });
  });
});
