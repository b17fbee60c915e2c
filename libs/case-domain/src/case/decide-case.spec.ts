import { fold } from '../shared/decider';
import { PathwayRuleBroken } from '../shared/rule-broken';
import { caseSpecification } from '../testing/given-when-then';
import {
  caseId,
  cgNegative,
  cgPositive,
  charityCaseworker,
  closed,
  consentDeclined,
  consentGiven,
  context,
  exited,
  healthCaseworker,
  identifiedAdult,
  identifiedChild,
  inRecoveryPeriod,
  lostContactSituation,
  placementStarted,
  referred,
  reportedMissing,
  rgNegative,
  rgPositive,
  stableSituation,
} from '../testing/case-fixtures';
import type { CaseCommand } from './case-commands';
import { caseDecider } from './case-decider';
import { ensurePreviousCaseMayBeLinked } from './pathway/identification';
import type { CaseEvent } from './case-events';

const given = caseSpecification(context);

describe('identification', () => {
  const identify: CaseCommand = {
    type: 'IdentifyPotentialVictim',
    caseId,
    identifiedOn: '2026-03-01',
    location: 'Car wash, Example Road',
    encounterContext: 'police_operation',
    indicators: ['withheld_documents', 'debt_bondage'],
    exploitationTypes: ['labour'],
    child: false,
    nationality: 'Testland',
    personal: { name: 'Test Person A', aliases: ['TPA'] },
  };

  it('opens the case for the identifying agency, personal details apart', () =>
    given().when(identify).then([identifiedAdult]));
  it('identifies a case once', () => given(identifiedAdult).when(identify).thenBreaks('case-already-identified'));
  it('refuses an identification dated in the future', () =>
    given()
      .when({ ...identify, identifiedOn: '2026-06-16' })
      .thenBreaks('date-in-future'));
  it('refuses any other command on a case not yet identified', () =>
    given()
      .when({ type: 'AssessRisk', level: 'high', assessedOn: '2026-03-01', rationale: 'x' })
      .thenBreaks('case-not-identified'));

  describe('a re-referral names an earlier case', () => {
    const earlier = '0b6f3c1e-1111-4a4a-9c9c-0000000000e0';
    const refused = (previous: { caseId: string; identified: boolean }) => {
      try {
        ensurePreviousCaseMayBeLinked(caseId, previous);
        return undefined;
      } catch (error) {
        return error instanceof PathwayRuleBroken ? error.rule : error;
      }
    };
    it('links to another case already identified', () =>
      expect(refused({ caseId: earlier, identified: true })).toBeUndefined());
    it('refuses a case never identified', () =>
      expect(refused({ caseId: earlier, identified: false })).toBe('previous-case-not-identified'));
    it('refuses the case itself, identified or not', () => {
      expect(refused({ caseId, identified: false })).toBe('previous-case-is-this-case');
      expect(refused({ caseId, identified: true })).toBe('previous-case-is-this-case');
    });
    it('keeps the earlier case id on the identification', () =>
      given()
        .when({ ...identify, previousCaseId: earlier })
        .then([{ ...identifiedAdult, data: { ...identifiedAdult.data, previousCaseId: earlier } }]));
  });
});

describe('assignment', () => {
  it('assigns and re-assigns', () =>
    given(identifiedAdult, { type: 'CaseAssigned', data: { caseworkerId: 'cw-1', agency: 'police-west' } })
      .when({ type: 'AssignCase', caseworkerId: 'cw-2', agency: 'police-west' })
      .then([{ type: 'CaseAssigned', data: { caseworkerId: 'cw-2', agency: 'police-west' } }]));
  it('refuses assigning to whoever has it already', () =>
    given(identifiedAdult, { type: 'CaseAssigned', data: { caseworkerId: 'cw-1', agency: 'police-west' } })
      .when({ type: 'AssignCase', caseworkerId: 'cw-1', agency: 'police-west' })
      .thenBreaks('assignment-unchanged'));
});

describe('consent and duty to notify', () => {
  const give: CaseCommand = {
    type: 'RecordConsentGiven',
    givenOn: '2026-03-02',
    language: 'ro',
    interpreterUsed: true,
  };
  const decline: CaseCommand = {
    type: 'RecordConsentDeclined',
    declinedOn: '2026-03-02',
    language: 'ro',
    interpreterUsed: true,
  };
  const notify: CaseCommand = { type: 'SubmitDutyToNotify', submittedOn: '2026-03-03', reference: 'DTN-1' };

  it("records an adult's consent, with language and interpreter", () =>
    given(identifiedAdult).when(give).then([consentGiven]));
  it('records an adult declining', () => given(identifiedAdult).when(decline).then([consentDeclined]));
  it('lets an adult who declined consent later', () =>
    given(identifiedAdult, consentDeclined).when(give).then([consentGiven]));
  it('has no consent step for a child', () =>
    given(identifiedChild).when(give).thenBreaks('consent-not-needed-for-child'));
  it('has no declining step for a child', () =>
    given(identifiedChild).when(decline).thenBreaks('consent-not-needed-for-child'));
  it('records consent once', () => given(identifiedAdult, consentGiven).when(give).thenBreaks('consent-already-given'));
  it('cannot decline after consenting', () =>
    given(identifiedAdult, consentGiven).when(decline).thenBreaks('consent-already-given'));
  it('refuses consent dated before identification', () =>
    given(identifiedAdult)
      .when({ ...give, givenOn: '2026-02-28' })
      .thenBreaks('date-before-earlier-event'));

  it('submits the duty to notify after consent was declined, by an agency with the duty', () =>
    given(identifiedAdult, consentDeclined)
      .when(notify)
      .then([
        {
          type: 'DutyToNotifySubmitted',
          data: { submittedOn: '2026-03-03', agency: 'police-west', reference: 'DTN-1' },
        },
      ]));
  it('refuses the duty to notify from an agency without the duty', () =>
    given(identifiedAdult, consentDeclined)
      .when(notify, { actor: charityCaseworker })
      .thenBreaks('duty-to-notify-requires-duty'));
  it('refuses the duty to notify where there is consent', () =>
    given(identifiedAdult, consentGiven).when(notify).thenBreaks('duty-to-notify-requires-consent-declined'));
  it('refuses the duty to notify before consent was asked', () =>
    given(identifiedAdult).when(notify).thenBreaks('duty-to-notify-requires-consent-declined'));
  it('has no duty to notify for a child', () =>
    given(identifiedChild).when(notify).thenBreaks('duty-to-notify-not-for-child'));
  it('notifies once', () =>
    given(identifiedAdult, consentDeclined, {
      type: 'DutyToNotifySubmitted',
      data: { submittedOn: '2026-03-03', agency: 'police-west', reference: 'DTN-1' },
    })
      .when(notify)
      .thenBreaks('duty-to-notify-already-submitted'));
});

describe('NRM referral', () => {
  const refer: CaseCommand = {
    type: 'SubmitNrmReferral',
    submittedOn: '2026-03-03',
    competentAuthority: 'single_competent_authority',
    reference: 'NRM-0001',
  };
  it('refers an adult who consented', () => given(identifiedAdult, consentGiven).when(refer).then([referred]));
  it('records when the referral was entered beside the date it was made: the referral starts a deadline', () => {
    const state = fold(caseDecider, [identifiedAdult, consentGiven]);
    const [event] = caseDecider.decide(refer, state, context);
    expect(event!.data).toEqual({ ...referred.data, submittedOn: '2026-03-03', enteredAt: '2026-06-15T10:00:00.000Z' });
    const [note] = caseDecider.decide({ type: 'AddNote', noteId: 'n-1', text: 'Synthetic note' }, state, context);
    expect(note!.data).not.toHaveProperty('enteredAt');
  });
  it('refers a child without consent', () => given(identifiedChild).when(refer).then([referred]));
  it('refuses to refer an adult without consent', () =>
    given(identifiedAdult).when(refer).thenBreaks('referral-requires-consent'));
  it('refuses to refer an adult who declined', () =>
    given(identifiedAdult, consentDeclined).when(refer).thenBreaks('referral-requires-consent'));
  it('refuses a referral from an agency that is not a first responder', () =>
    given(identifiedAdult, consentGiven)
      .when(refer, { actor: healthCaseworker })
      .thenBreaks('referral-requires-first-responder'));
  it('records the referring first responder', () =>
    given(identifiedChild)
      .when(refer, { actor: charityCaseworker })
      .then([{ ...referred, data: { ...(referred.data as object), firstResponder: 'safe-harbour' } } as CaseEvent]));
  it('refers once', () =>
    given(identifiedAdult, consentGiven, referred).when(refer).thenBreaks('referral-already-submitted'));
  it('refuses a referral dated before consent', () =>
    given(identifiedAdult, consentGiven)
      .when({ ...refer, submittedOn: '2026-03-01' })
      .thenBreaks('date-before-earlier-event'));
});

describe('reasonable and conclusive grounds decisions', () => {
  const rg = (outcome: 'positive' | 'negative', decidedOn = '2026-03-10'): CaseCommand => ({
    type: 'RecordReasonableGroundsDecision',
    outcome,
    decidedOn,
  });
  const cg = (outcome: 'positive' | 'negative', decidedOn = '2026-05-01'): CaseCommand => ({
    type: 'RecordConclusiveGroundsDecision',
    outcome,
    decidedOn,
  });

  it('records a positive RG decision after a referral', () =>
    given(identifiedAdult, consentGiven, referred).when(rg('positive')).then([rgPositive]));
  it('records a negative RG decision', () => given(identifiedChild, referred).when(rg('negative')).then([rgNegative]));
  it('refuses an RG decision before a referral', () =>
    given(identifiedAdult, consentGiven).when(rg('positive')).thenBreaks('rg-decision-requires-referral'));
  it('refuses a second RG decision', () =>
    given(...inRecoveryPeriod)
      .when(rg('negative'))
      .thenBreaks('rg-decision-already-recorded'));
  it('refuses an RG decision dated in the future', () =>
    given(identifiedChild, referred).when(rg('positive', '2026-07-01')).thenBreaks('date-in-future'));
  it('refuses an RG decision dated before the referral', () =>
    given(identifiedChild, referred).when(rg('positive', '2026-03-02')).thenBreaks('date-before-earlier-event'));
  it('takes "today" in Europe/London: 23:30 UTC on 14 June is already 15 June in BST', () =>
    given(identifiedChild, referred)
      .when(rg('positive', '2026-06-15'), { now: new Date('2026-06-14T23:30:00Z') })
      .then([{ type: 'ReasonableGroundsDecisionMade', data: { outcome: 'positive', decidedOn: '2026-06-15' } }]));

  it('records a CG decision after a positive RG decision', () =>
    given(...inRecoveryPeriod)
      .when(cg('positive'))
      .then([cgPositive]));
  it('refuses a CG decision without an RG decision', () =>
    given(identifiedChild, referred).when(cg('positive')).thenBreaks('cg-decision-requires-positive-rg'));
  it('refuses a CG decision after a negative RG decision', () =>
    given(identifiedChild, referred, rgNegative).when(cg('positive')).thenBreaks('cg-decision-requires-positive-rg'));
  it('refuses a CG decision dated before the RG decision', () =>
    given(...inRecoveryPeriod)
      .when(cg('positive', '2026-03-09'))
      .thenBreaks('date-before-earlier-event'));
  it('refuses a second CG decision', () =>
    given(...inRecoveryPeriod, cgPositive)
      .when(cg('negative'))
      .thenBreaks('cg-decision-already-recorded'));
});

describe('reconsideration', () => {
  const request = (decision: 'reasonable_grounds' | 'conclusive_grounds'): CaseCommand => ({
    type: 'RequestReconsideration',
    decision,
    requestedOn: '2026-05-10',
  });
  const decide = (
    decision: 'reasonable_grounds' | 'conclusive_grounds',
    outcome: 'positive' | 'negative',
  ): CaseCommand => ({
    type: 'RecordReconsiderationDecision',
    decision,
    outcome,
    decidedOn: '2026-05-20',
  });
  const requested = (decision: 'reasonable_grounds' | 'conclusive_grounds'): CaseEvent => ({
    type: 'ReconsiderationRequested',
    data: { decision, requestedOn: '2026-05-10' },
  });
  const negativeRg = [identifiedChild, referred, rgNegative];

  it('requests reconsideration of a negative RG decision', () =>
    given(...negativeRg)
      .when(request('reasonable_grounds'))
      .then([requested('reasonable_grounds')]));
  it('refuses to reconsider a positive decision', () =>
    given(...inRecoveryPeriod)
      .when(request('reasonable_grounds'))
      .thenBreaks('reconsideration-requires-negative-decision'));
  it('refuses to reconsider a decision not yet made', () =>
    given(...negativeRg)
      .when(request('conclusive_grounds'))
      .thenBreaks('reconsideration-requires-negative-decision'));
  it('asks once at a time', () =>
    given(...negativeRg, requested('reasonable_grounds'))
      .when(request('reasonable_grounds'))
      .thenBreaks('reconsideration-already-requested'));
  it('refuses a reconsideration decision nobody asked for', () =>
    given(...negativeRg)
      .when(decide('reasonable_grounds', 'positive'))
      .thenBreaks('reconsideration-not-requested'));
  it('puts the case back on the path when the reconsidered RG decision is positive', () =>
    given(...negativeRg, requested('reasonable_grounds'), {
      type: 'ReconsiderationDecided',
      data: { decision: 'reasonable_grounds', outcome: 'positive', decidedOn: '2026-05-20' },
    })
      .when({ type: 'RecordConclusiveGroundsDecision', outcome: 'positive', decidedOn: '2026-06-01' })
      .then([{ type: 'ConclusiveGroundsDecisionMade', data: { outcome: 'positive', decidedOn: '2026-06-01' } }]));
  it('reconsiders a negative CG decision', () =>
    given(...inRecoveryPeriod, cgNegative, requested('conclusive_grounds'))
      .when(decide('conclusive_grounds', 'positive'))
      .then([
        {
          type: 'ReconsiderationDecided',
          data: { decision: 'conclusive_grounds', outcome: 'positive', decidedOn: '2026-05-20' },
        },
      ]));
});

describe('safe-house placement and support', () => {
  const start = (emergencyOutsideNrm = false): CaseCommand => ({
    type: 'StartSafeHousePlacement',
    placementId: 'placement-1',
    startedOn: '2026-03-11',
    provider: 'Safe House Org',
    address: '1 Test Street',
    emergencyOutsideNrm,
  });
  it('places a person with a positive RG decision, the address kept as personal data', () =>
    given(...inRecoveryPeriod)
      .when(start())
      .then([placementStarted]));
  it('refuses a placement without the support entitlement', () =>
    given(identifiedAdult, consentGiven, referred).when(start()).thenBreaks('placement-requires-support-entitlement'));
  it('allows local-authority emergency accommodation outside the NRM, flagged', () =>
    given(identifiedAdult)
      .when(start(true))
      .then([
        { ...placementStarted, data: { ...(placementStarted.data as object), emergencyOutsideNrm: true } } as CaseEvent,
      ]));
  it('allows one active placement at a time', () =>
    given(...inRecoveryPeriod, placementStarted)
      .when(start())
      .thenBreaks('placement-already-active'));
  it('requests a placement once', () =>
    given(...inRecoveryPeriod, {
      type: 'SafeHousePlacementRequested',
      data: { requestedOn: '2026-03-10', emergencyOutsideNrm: false },
    })
      .when({ type: 'RequestSafeHousePlacement', requestedOn: '2026-03-10', emergencyOutsideNrm: false })
      .thenBreaks('placement-already-requested'));
  it('moves an active placement', () =>
    given(...inRecoveryPeriod, placementStarted)
      .when({
        type: 'MoveSafeHousePlacement',
        movedOn: '2026-04-01',
        provider: 'Other House',
        address: '2 Test Street',
      })
      .then([
        {
          type: 'SafeHousePlacementMoved',
          data: {
            placementId: 'placement-1',
            movedOn: '2026-04-01',
            provider: 'Other House',
            personal: { address: '2 Test Street' },
          },
        },
      ]));
  describe('placement reviews', () => {
    const reviewed = (reviewedOn: string, outcome: 'continue' | 'move' | 'end_planned' = 'continue'): CaseEvent => ({
      type: 'PlacementReviewed',
      data: { placementId: 'placement-1', reviewedOn, outcome },
    });
    it('records a review of the active placement with its outcome', () =>
      given(...inRecoveryPeriod, placementStarted)
        .when({ type: 'RecordPlacementReview', reviewedOn: '2026-04-08', outcome: 'end_planned' })
        .then([reviewed('2026-04-08', 'end_planned')]));
    it('refuses a review without an active placement', () =>
      given(...inRecoveryPeriod)
        .when({ type: 'RecordPlacementReview', reviewedOn: '2026-04-08', outcome: 'continue' })
        .thenBreaks('placement-not-active'));
    it('refuses a review after the placement ended', () =>
      given(...inRecoveryPeriod, placementStarted, {
        type: 'SafeHousePlacementEnded',
        data: { placementId: 'placement-1', endedOn: '2026-04-02', reason: 'broke_down' },
      })
        .when({ type: 'RecordPlacementReview', reviewedOn: '2026-04-08', outcome: 'continue' })
        .thenBreaks('placement-not-active'));
    it('refuses a review dated before the placement started', () =>
      given(...inRecoveryPeriod, placementStarted)
        .when({ type: 'RecordPlacementReview', reviewedOn: '2026-03-10', outcome: 'continue' })
        .thenBreaks('date-before-earlier-event'));
    it('refuses a review dated before the placement last moved, or before its previous review', () => {
      const moved: CaseEvent = {
        type: 'SafeHousePlacementMoved',
        data: { placementId: 'placement-1', movedOn: '2026-04-01', provider: 'P', personal: { address: 'A' } },
      };
      given(...inRecoveryPeriod, placementStarted, moved)
        .when({ type: 'RecordPlacementReview', reviewedOn: '2026-03-20', outcome: 'continue' })
        .thenBreaks('date-before-earlier-event');
      given(...inRecoveryPeriod, placementStarted, reviewed('2026-05-01'))
        .when({ type: 'RecordPlacementReview', reviewedOn: '2026-04-30', outcome: 'continue' })
        .thenBreaks('date-before-earlier-event');
    });
    it('refuses a review dated in the future', () =>
      given(...inRecoveryPeriod, placementStarted)
        .when({ type: 'RecordPlacementReview', reviewedOn: '2026-06-16', outcome: 'continue' })
        .thenBreaks('date-in-future'));
    it('allows a review on the day the placement started, and one today', () => {
      given(...inRecoveryPeriod, placementStarted)
        .when({ type: 'RecordPlacementReview', reviewedOn: '2026-03-11', outcome: 'move' })
        .then([reviewed('2026-03-11', 'move')]);
      given(...inRecoveryPeriod, placementStarted, reviewed('2026-05-01'))
        .when({ type: 'RecordPlacementReview', reviewedOn: '2026-06-15', outcome: 'continue' })
        .then([reviewed('2026-06-15')]);
    });
  });
  it('ends an active placement with a reason', () =>
    given(...inRecoveryPeriod, placementStarted)
      .when({ type: 'EndSafeHousePlacement', endedOn: '2026-04-02', reason: 'broke_down' })
      .then([
        {
          type: 'SafeHousePlacementEnded',
          data: { placementId: 'placement-1', endedOn: '2026-04-02', reason: 'broke_down' },
        },
      ]));
  it('refuses to end a placement that is not active', () =>
    given(...inRecoveryPeriod)
      .when({ type: 'EndSafeHousePlacement', endedOn: '2026-04-02', reason: 'moved_on' })
      .thenBreaks('placement-not-active'));
  it('refuses to end a placement before it was last moved', () =>
    given(...inRecoveryPeriod, placementStarted)
      .when({ type: 'EndSafeHousePlacement', endedOn: '2026-03-10', reason: 'moved_on' })
      .thenBreaks('date-before-earlier-event'));
  it('starts outreach support instead of accommodation with the entitlement', () =>
    given(...inRecoveryPeriod)
      .when({ type: 'StartOutreachSupport', startedOn: '2026-03-12', provider: 'Outreach Org' })
      .then([{ type: 'OutreachSupportStarted', data: { startedOn: '2026-03-12', provider: 'Outreach Org' } }]));
  it('refuses outreach support without the entitlement', () =>
    given(identifiedChild, referred, rgNegative)
      .when({ type: 'StartOutreachSupport', startedOn: '2026-03-12', provider: 'Outreach Org' })
      .thenBreaks('outreach-requires-support-entitlement'));
  it('starts move-on support after a CG decision', () =>
    given(...inRecoveryPeriod, cgPositive)
      .when({ type: 'StartMoveOnSupport', startedOn: '2026-05-02', provider: 'Move-on Org' })
      .then([{ type: 'MoveOnSupportStarted', data: { startedOn: '2026-05-02', provider: 'Move-on Org' } }]));
  it('refuses move-on support before a CG decision', () =>
    given(...inRecoveryPeriod)
      .when({ type: 'StartMoveOnSupport', startedOn: '2026-05-02', provider: 'Move-on Org' })
      .thenBreaks('move-on-requires-cg-decision'));
});

describe('exit and follow-ups', () => {
  const exit = (
    reason: 'support_completed' | 'left_support' | 'negative_decision' | 'repatriated',
    exitedOn = '2026-06-01',
  ): CaseCommand => ({
    type: 'RecordExit',
    exitedOn,
    reason,
  });
  const followUp: CaseCommand = {
    type: 'CompleteFollowUp',
    completedOn: '2026-06-14',
    outcome: 'stable',
    situation: stableSituation,
  };

  it('exits after a CG decision', () =>
    given(...inRecoveryPeriod, cgPositive)
      .when(exit('support_completed'))
      .then([exited]));
  it('refuses a completed-support exit before a CG decision', () =>
    given(...inRecoveryPeriod)
      .when(exit('support_completed'))
      .thenBreaks('exit-requires-cg-decision-or-withdrawal'));
  it('allows a withdrawal before a CG decision', () =>
    given(...inRecoveryPeriod)
      .when(exit('left_support'))
      .then([{ type: 'ExitedNrm', data: { exitedOn: '2026-06-01', reason: 'left_support' } }]));
  it('exits on a negative decision not being reconsidered', () =>
    given(identifiedChild, referred, rgNegative)
      .when(exit('negative_decision'))
      .then([{ type: 'ExitedNrm', data: { exitedOn: '2026-06-01', reason: 'negative_decision' } }]));
  it('does not exit on a negative decision while it is reconsidered', () =>
    given(identifiedChild, referred, rgNegative, {
      type: 'ReconsiderationRequested',
      data: { decision: 'reasonable_grounds', requestedOn: '2026-03-20' },
    })
      .when(exit('negative_decision'))
      .thenBreaks('exit-requires-cg-decision-or-withdrawal'));
  it('refuses an exit from the NRM for a case never referred', () =>
    given(identifiedAdult, consentDeclined).when(exit('left_support')).thenBreaks('exit-requires-nrm-referral'));
  it('exits once', () =>
    given(...inRecoveryPeriod, cgPositive, exited)
      .when(exit('repatriated'))
      .thenBreaks('exit-already-recorded'));
  it('refuses an exit dated before the CG decision', () =>
    given(...inRecoveryPeriod, cgPositive)
      .when(exit('support_completed', '2026-04-30'))
      .thenBreaks('date-before-earlier-event'));

  it('records the person’s situation with the follow-up', () =>
    given(...inRecoveryPeriod, cgPositive, exited)
      .when(followUp)
      .then([
        {
          type: 'FollowUpCompleted',
          data: { followUp: 1, completedOn: '2026-06-14', outcome: 'stable', situation: stableSituation },
        },
      ]));
  it('numbers follow-ups after exit in order, after one recorded before situations were (no situation)', () =>
    given(...inRecoveryPeriod, cgPositive, exited, {
      type: 'FollowUpCompleted',
      data: { followUp: 1, completedOn: '2026-06-10', outcome: 'at_risk' },
    })
      .when(followUp)
      .then([
        {
          type: 'FollowUpCompleted',
          data: { followUp: 2, completedOn: '2026-06-14', outcome: 'stable', situation: stableSituation },
        },
      ]));
  it('records a lost contact as not reachable, what could not be found out as unknown', () => {
    const lost = lostContactSituation;
    given(...inRecoveryPeriod, cgPositive, exited)
      .when({ ...followUp, outcome: 'not_reachable', situation: lost })
      .then([
        {
          type: 'FollowUpCompleted',
          data: { followUp: 1, completedOn: '2026-06-14', outcome: 'not_reachable', situation: lost },
        },
      ]);
  });
  it.each([
    ['stable', { contact: 'lost_contact' }],
    ['stable', { exploitation: 'at_risk' }],
    ['at_risk', { exploitation: 'not_at_risk' }],
    ['re_exploited', { exploitation: 'at_risk' }],
    ['not_reachable', { contact: 'in_contact' }],
  ] as const)('refuses an outcome of %s with a situation that contradicts it (%o)', (outcome, changed) =>
    given(...inRecoveryPeriod, cgPositive, exited)
      .when({ ...followUp, outcome, situation: { ...stableSituation, ...changed } })
      .thenBreaks('follow-up-situation-contradicts-outcome'),
  );
  it('refuses a follow-up before exit', () =>
    given(...inRecoveryPeriod, cgPositive)
      .when(followUp)
      .thenBreaks('follow-up-requires-exit'));
});

describe('safeguarding, notes and closure', () => {
  it('reports missing and found', () => {
    given(identifiedChild)
      .when({ type: 'ReportMissing', reportedOn: '2026-04-01' })
      .then([{ type: 'ReportedMissing', data: { reportedOn: '2026-04-01' } }]);
    given(identifiedChild, reportedMissing)
      .when({ type: 'ReportFound', foundOn: '2026-04-03' })
      .then([{ type: 'ReportedFound', data: { foundOn: '2026-04-03' } }]);
  });
  it('refuses a second missing report while missing', () =>
    given(identifiedChild, reportedMissing)
      .when({ type: 'ReportMissing', reportedOn: '2026-04-02' })
      .thenBreaks('already-missing'));
  it('refuses "found" for someone not missing', () =>
    given(identifiedChild).when({ type: 'ReportFound', foundOn: '2026-04-03' }).thenBreaks('not-missing'));
  it('refuses "found" dated before the missing report', () =>
    given(identifiedChild, reportedMissing)
      .when({ type: 'ReportFound', foundOn: '2026-03-31' })
      .thenBreaks('date-before-earlier-event'));
  it('assesses risk and refers to the MARAC, repeatedly', () =>
    given(identifiedAdult, { type: 'ReferredToMarac', data: { referredOn: '2026-03-05', reason: 'high risk' } })
      .when({ type: 'ReferToMarac', referredOn: '2026-05-05', reason: 're-exploitation concern' })
      .then([{ type: 'ReferredToMarac', data: { referredOn: '2026-05-05', reason: 're-exploitation concern' } }]));
  it('keeps a note as restricted text', () =>
    given(identifiedAdult)
      .when({ type: 'AddNote', noteId: 'note-1', text: 'Spoke with the person at the drop-in.' })
      .then([
        { type: 'NoteAdded', data: { noteId: 'note-1', personal: { text: 'Spoke with the person at the drop-in.' } } },
      ]));
  it('closes a case', () =>
    given(identifiedAdult).when({ type: 'CloseCase', closedOn: '2026-06-02', reason: 'support_ended' }).then([closed]));

  const onClosedCase: CaseCommand[] = [
    { type: 'AddNote', noteId: 'n', text: 't' },
    { type: 'AssessRisk', level: 'high', assessedOn: '2026-06-03', rationale: 'r' },
    { type: 'ReportMissing', reportedOn: '2026-06-03' },
    { type: 'AssignCase', caseworkerId: 'cw-9', agency: 'police-west' },
    { type: 'CloseCase', closedOn: '2026-06-03', reason: 'other' },
  ];
  it.each(onClosedCase.map((command) => [command.type, command]))(
    'allows nothing but re-opening on a closed case: %s',
    (_, command) => given(identifiedAdult, closed).when(command).thenBreaks('case-closed'),
  );
  it('re-opens a closed case', () =>
    given(identifiedAdult, closed)
      .when({ type: 'ReopenCase', reopenedOn: '2026-06-10', reason: 'new information' })
      .then([{ type: 'CaseReopened', data: { reopenedOn: '2026-06-10', reason: 'new information' } }]));
  it('re-opens only a closed case', () =>
    given(identifiedAdult)
      .when({ type: 'ReopenCase', reopenedOn: '2026-06-10', reason: 'x' })
      .thenBreaks('case-not-closed'));
  it('accepts commands again once re-opened', () =>
    given(identifiedAdult, closed, {
      type: 'CaseReopened',
      data: { reopenedOn: '2026-06-10', reason: 'new information' },
    })
      .when({ type: 'ReportMissing', reportedOn: '2026-06-11' })
      .then([{ type: 'ReportedMissing', data: { reportedOn: '2026-06-11' } }]));
});
