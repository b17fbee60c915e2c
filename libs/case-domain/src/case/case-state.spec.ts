import { fold } from '../shared/decider';
import {
  cgNegative,
  cgPositive,
  closed,
  consentDeclined,
  consentGiven,
  exited,
  identifiedAdult,
  identifiedChild,
  inRecoveryPeriod,
  placementStarted,
  referred,
  reportedMissing,
  rgNegative,
  rgPositive,
} from '../testing/case-fixtures';
import { caseDecider } from './case-decider';
import type { CaseEvent } from './case-events';
import {
  deadlineStartOf,
  evolveCase,
  initialCaseState,
  STATE_NEUTRAL_EVENTS,
  stageOf,
  withEnteredAt,
  type CaseState,
  type DeadlineStart,
} from './case-state';

describe('the stage of a case', () => {
  const dtn: CaseEvent = {
    type: 'DutyToNotifySubmitted',
    data: { submittedOn: '2026-03-03', agency: 'police-west', reference: 'DTN-1' },
  };
  it.each<[string, CaseEvent[]]>([
    ['not_identified', []],
    ['identified', [identifiedAdult]],
    ['awaiting_referral', [identifiedAdult, consentGiven]],
    ['awaiting_referral', [identifiedChild]],
    ['identified', [identifiedAdult, consentDeclined]],
    ['duty_to_notify_submitted', [identifiedAdult, consentDeclined, dtn]],
    ['referred', [identifiedAdult, consentGiven, referred]],
    ['recovery_period', inRecoveryPeriod],
    ['negative_reasonable_grounds', [identifiedChild, referred, rgNegative]],
    ['move_on', [...inRecoveryPeriod, cgPositive]],
    ['negative_conclusive_grounds', [...inRecoveryPeriod, cgNegative]],
    ['exited', [...inRecoveryPeriod, cgPositive, exited]],
    ['closed', [...inRecoveryPeriod, cgPositive, exited, closed]],
  ])('is %s after %#', (stage, events) => expect(stageOf(fold(caseDecider, events))).toBe(stage));

  it('follows a reconsidered RG decision', () => {
    const reconsidered: CaseEvent[] = [
      identifiedChild,
      referred,
      rgNegative,
      { type: 'ReconsiderationRequested', data: { decision: 'reasonable_grounds', requestedOn: '2026-03-20' } },
      {
        type: 'ReconsiderationDecided',
        data: { decision: 'reasonable_grounds', outcome: 'positive', decidedOn: '2026-04-01' },
      },
    ];
    const state = fold(caseDecider, reconsidered);
    expect(stageOf(state)).toBe('recovery_period');
    expect(state.reasonableGrounds).toEqual({ outcome: 'positive', decidedOn: '2026-04-01' });
    expect(state.pendingReconsideration).toBeUndefined();
  });
});

describe('events that leave the case as it was', () => {
  it('a note folds to the very same state, at every stage (the reminder scheduler skips it)', () => {
    const note: CaseEvent = { type: 'NoteAdded', data: { noteId: 'note-1', personal: { text: 'Synthetic note' } } };
    expect([...STATE_NEUTRAL_EVENTS]).toEqual([note.type]);
    for (const events of [[identifiedAdult], inRecoveryPeriod, [...inRecoveryPeriod, cgPositive, exited]]) {
      const state = fold(caseDecider, events);
      expect(evolveCase(state, note)).toBe(state);
    }
  });
});

describe('when the facts that start deadlines were entered', () => {
  const moved: CaseEvent = {
    type: 'SafeHousePlacementMoved',
    data: {
      placementId: 'placement-1',
      movedOn: '2026-03-20',
      provider: 'Safe House Org',
      personal: { address: '2 Test Street' },
    },
  };
  const reconsidered = (decision: 'reasonable_grounds' | 'conclusive_grounds'): CaseEvent => ({
    type: 'ReconsiderationDecided',
    data: { decision, outcome: 'positive', decidedOn: '2026-05-20' },
  });
  const starting: CaseEvent[] = [
    identifiedAdult,
    referred,
    rgPositive,
    cgPositive,
    reconsidered('reasonable_grounds'),
    reconsidered('conclusive_grounds'),
    placementStarted,
    moved,
    exited,
    reportedMissing,
  ];
  const every: DeadlineStart[] = [
    'identified',
    'referred',
    'reasonableGrounds',
    'conclusiveGrounds',
    'exit',
    'placement',
    'missing',
  ];
  // Each start already entered once, so a second entry shows it replaces only its own.
  const before: CaseState = every.reduce(
    (state, start) => ({ ...state, enteredAt: { ...state.enteredAt, [start]: `earlier-${start}` } }),
    initialCaseState,
  );

  it('lists every deadline start, and starting events of every one of them', () => {
    expect(new Set(starting.map((event) => deadlineStartOf(event)))).toEqual(new Set(every));
  });

  it.each(starting.map((event) => [event.type, deadlineStartOf(event)!, event] as const))(
    '%s records when it was entered as %s, and no other start',
    (_type, start, event) => {
      const after = evolveCase(before, withEnteredAt(event, '2026-06-15T10:00:00.000Z'));
      const expected = Object.fromEntries(every.map((each) => [each, `earlier-${each}`]));
      expect(after.enteredAt).toEqual({ ...expected, [start]: '2026-06-15T10:00:00.000Z' });
    },
  );

  it('leaves them as they were on events that start nothing', () => {
    for (const event of [
      consentGiven,
      closed,
      { type: 'FollowUpCompleted', data: { followUp: 1, completedOn: '2026-07-01', outcome: 'stable' } } as CaseEvent,
    ]) {
      expect(deadlineStartOf(event)).toBeUndefined();
      expect(evolveCase(before, event).enteredAt).toBe(before.enteredAt);
    }
  });
});
