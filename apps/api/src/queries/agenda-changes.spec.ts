import { changeText, changesSinceLastMeeting, type CaseChange } from './agenda-changes';

/** The previous meeting was held on 2026-11-19; the entries below were recorded around it. */
const PREVIOUS = '2026-11-19';
const identified: CaseChange = { type: 'PotentialVictimIdentified', at: '2026-11-02T09:00:00.000Z', on: '2026-11-02' };
const assessedSince: CaseChange = { type: 'RiskAssessed', at: '2026-11-24T10:00:00.000Z', on: '2026-11-23' };
const backDated: CaseChange = { type: 'RiskAssessed', at: '2026-11-25T10:00:00.000Z', on: '2026-11-10' };
const onTheDay: CaseChange = { type: 'ReferredToMarac', at: '2026-11-19T16:00:00.000Z', on: '2026-11-19' };
const undatedBefore: CaseChange = { type: 'CaseAssigned', at: '2026-11-18T12:00:00.000Z' };
const undatedSince: CaseChange = { type: 'CaseAssigned', at: '2026-11-20T12:00:00.000Z' };
// 23:30 UTC on 18 November is still the 18th in London in winter; in summer it would be the 19th.
const undatedLateEvening: CaseChange = { type: 'NoteAdded', at: '2026-11-18T23:30:00.000Z' };

describe('changed since the last meeting, by business date', () => {
  it('shows an entry dated since the meeting as changed, whenever it was recorded', () =>
    expect(changesSinceLastMeeting([assessedSince], PREVIOUS)).toEqual({
      changedSinceLastMeeting: [assessedSince],
      recordedLate: [],
    }));

  it('shows an entry recorded since the meeting about something dated before it as recorded late, not as new', () =>
    expect(changesSinceLastMeeting([backDated], PREVIOUS)).toEqual({
      changedSinceLastMeeting: [],
      recordedLate: [backDated],
    }));

  it('leaves out what was dated and recorded before the meeting: the panel saw it', () =>
    expect(changesSinceLastMeeting([identified], PREVIOUS)).toEqual({ changedSinceLastMeeting: [], recordedLate: [] }));

  it('counts the meeting’s own day as since', () =>
    expect(changesSinceLastMeeting([onTheDay], PREVIOUS).changedSinceLastMeeting).toEqual([onTheDay]));

  it('judges an entry without a business date by the London day it was recorded', () => {
    const shown = changesSinceLastMeeting([undatedBefore, undatedLateEvening, undatedSince], PREVIOUS);
    expect(shown).toEqual({ changedSinceLastMeeting: [undatedSince], recordedLate: [] });
    const summer = { type: 'NoteAdded', at: '2026-06-18T23:30:00.000Z' };
    expect(changesSinceLastMeeting([summer], '2026-06-19').changedSinceLastMeeting).toEqual([summer]);
  });

  it('keeps the change log’s order in both lists', () =>
    expect(changesSinceLastMeeting([identified, backDated, assessedSince, undatedSince], PREVIOUS)).toEqual({
      changedSinceLastMeeting: [assessedSince, undatedSince],
      recordedLate: [backDated],
    }));

  it('shows everything as changed when the area had no meeting before', () =>
    expect(changesSinceLastMeeting([identified, backDated], undefined)).toEqual({
      changedSinceLastMeeting: [identified, backDated],
      recordedLate: [],
    }));

  it('writes a change as its date and type, and a late one with the day it was recorded', () => {
    expect(changeText(assessedSince)).toBe('2026-11-23 RiskAssessed');
    expect(changeText(undatedSince)).toBe('2026-11-20 CaseAssigned');
    expect(changeText(backDated, true)).toBe('2026-11-10 RiskAssessed (recorded 2026-11-25)');
  });
});
