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
  referred,
  rgNegative,
} from '../testing/case-fixtures';
import { caseDecider } from './case-decider';
import type { CaseEvent } from './case-events';
import { evolveCase, STATE_NEUTRAL_EVENTS, stageOf } from './case-state';

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
