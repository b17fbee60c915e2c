import {
  deadlinesFor,
  defaultDeadlinePolicy,
  defaultRetentionPolicy,
  englandAndWalesCalendar,
  erasureReviewDueOn,
  type CaseEvent,
} from '@app/case-domain';
import {
  caseId,
  cgPositive,
  closed,
  consentGiven,
  exited,
  identifiedAdult,
  identifiedChild,
  now,
  placementStarted,
  referred,
  reportedMissing,
  rgPositive,
} from '@app/case-domain/testing/case-fixtures';
import type { ReadModelOutputs } from '../../engine/projection';
import { queueKey } from '../queues/queues';
import { onCase, projectionSpecification, recordedAt } from '../testing/given-events';
import { caseViewKeys, caseViewProjection } from './case-view.projection';

// The domain page's default deadlines and retention, on the England and Wales calendar.
const calendar = englandAndWalesCalendar();
const projection = caseViewProjection(
  (state) => deadlinesFor(state, defaultDeadlinePolicy, calendar),
  (state) => erasureReviewDueOn(state, defaultRetentionPolicy),
);
const clock = now;
const given = projectionSpecification(projection, clock);

const police = 'police-west';
const at = (instant: string) => Date.parse(instant);
const assigned = (caseworkerId: string, agency: string): CaseEvent => ({
  type: 'CaseAssigned',
  data: { caseworkerId, agency },
});
const referralReminder: CaseEvent = {
  type: 'ReminderRaised',
  data: {
    key: 'referral-decision',
    kind: 'referral_decision',
    label: 'due',
    dueAt: '2026-03-03T09:00:00.000Z',
    reminderAt: '2026-03-03T09:00:00.000Z',
  },
};

/** The queue memberships among the outputs: `[key, case, score]`. */
const queues = (outputs: ReadModelOutputs) => (outputs.members ?? []).filter(([key]) => key.startsWith('queue:'));
/** The case's score in one of the police's queues, if it is in it. */
const scoreIn = (outputs: ReadModelOutputs, source: string) =>
  queues(outputs).find(([key]) => key === queueKey(source, 'agency', police))?.[2];

describe('case view projection: given events, then outputs', () => {
  it('an identified adult is listed, and waits in the agency’s referral, consent and unassigned queues, scored by due time', () =>
    given(onCase(caseId, identifiedAdult)).then(caseId, {
      members: [
        // The case list's indexes, scored by where the case was identified in `$all`.
        [caseViewKeys.all, caseId, 1],
        [caseViewKeys.stage('identified'), caseId, 1],
        [caseViewKeys.agency(police), caseId, 1],
        [caseViewKeys.child(false), caseId, 1],
        // Identified Sunday 1 March: a referral decision is due 2 days on, consent 5 days on, at 09:00 London.
        [queueKey('referral_decision', 'agency', police), caseId, at('2026-03-03T09:00:00Z')],
        [queueKey('consent_decision', 'agency', police), caseId, at('2026-03-06T09:00:00Z')],
        [queueKey('unassigned', 'agency', police), caseId, at('2026-03-01T00:00:00Z')],
        [queueKey('spoc', 'agency', police), caseId, at('2026-03-01T00:00:00Z')],
      ],
      documents: {
        [caseViewKeys.deadlines(caseId)]: [
          expect.objectContaining({ kind: 'referral_decision', dueAt: '2026-03-03T09:00:00.000Z' }),
          expect.objectContaining({ kind: 'consent_decision', dueAt: '2026-03-06T09:00:00.000Z' }),
        ],
      },
    }));

  it('assigned, it leaves the unassigned queue: the caseworker and the agency it is assigned to see it', () => {
    const outputs = given(onCase(caseId, identifiedAdult, assigned('cw-1', 'safe-harbour'))).outputs(caseId);
    expect(queues(outputs)).toEqual([
      [queueKey('referral_decision', 'agency', 'safe-harbour'), caseId, at('2026-03-03T09:00:00Z')],
      [queueKey('referral_decision', 'assignee', 'cw-1'), caseId, at('2026-03-03T09:00:00Z')],
      [queueKey('consent_decision', 'agency', 'safe-harbour'), caseId, at('2026-03-06T09:00:00Z')],
      [queueKey('consent_decision', 'assignee', 'cw-1'), caseId, at('2026-03-06T09:00:00Z')],
    ]);
    // Both agencies find it in the case list; the caseworker too.
    expect(outputs.members).toEqual(
      expect.arrayContaining([
        [caseViewKeys.agency(police), caseId, 1],
        [caseViewKeys.agency('safe-harbour'), caseId, 1],
        [caseViewKeys.assignee('cw-1'), caseId, 1],
      ]),
    );
  });

  it('is in one stage’s list at a time, following the pathway', () => {
    const pathway = [identifiedAdult, consentGiven, referred, rgPositive, cgPositive, exited, closed];
    const stages = ['identified', 'awaiting_referral', 'referred', 'recovery_period', 'move_on', 'exited', 'closed'];
    pathway.forEach((_, step) => {
      const members = given(onCase(caseId, ...pathway.slice(0, step + 1))).outputs(caseId).members ?? [];
      expect(members.filter(([key]) => key.startsWith('cases:stage:'))).toEqual([
        [caseViewKeys.stage(stages[step]!), caseId, 1],
      ]);
    });
  });

  it('referred on Tuesday 3 March, waits for the RG decision until 09:00 on Tuesday 10 March, five working days on', () =>
    expect(queues(given(onCase(caseId, identifiedAdult, consentGiven, referred)).outputs(caseId))).toEqual([
      [queueKey('reasonable_grounds_decision', 'agency', police), caseId, at('2026-03-10T09:00:00Z')],
      [queueKey('unassigned', 'agency', police), caseId, at('2026-03-01T00:00:00Z')],
      [queueKey('spoc', 'agency', police), caseId, at('2026-03-01T00:00:00Z')],
    ]));

  it('a positive RG decision moves it to the recovery period’s queues and, until placed, to needs-placement', () => {
    const decided = [identifiedAdult, consentGiven, referred, rgPositive];
    // Decided 10 March: 45 days' recovery to Friday 24 April, 09:00 BST; the CG decision is due then.
    expect(queues(given(onCase(caseId, ...decided)).outputs(caseId))).toEqual([
      [queueKey('recovery_period', 'agency', police), caseId, at('2026-04-24T08:00:00Z')],
      [queueKey('conclusive_grounds_decision', 'agency', police), caseId, at('2026-04-24T08:00:00Z')],
      [queueKey('needs_placement', 'agency', police), caseId, at('2026-03-10T00:00:00Z')],
      [queueKey('unassigned', 'agency', police), caseId, at('2026-03-01T00:00:00Z')],
      [queueKey('spoc', 'agency', police), caseId, at('2026-03-01T00:00:00Z')],
    ]);
    // Placed 11 March: no longer needs a placement; the placement is reviewed 28 days on.
    expect(queues(given(onCase(caseId, ...decided, placementStarted)).outputs(caseId))).toEqual([
      [queueKey('recovery_period', 'agency', police), caseId, at('2026-04-24T08:00:00Z')],
      [queueKey('conclusive_grounds_decision', 'agency', police), caseId, at('2026-04-24T08:00:00Z')],
      [queueKey('placement_review', 'agency', police), caseId, at('2026-04-08T08:00:00Z')],
      [queueKey('unassigned', 'agency', police), caseId, at('2026-03-01T00:00:00Z')],
      [queueKey('spoc', 'agency', police), caseId, at('2026-03-01T00:00:00Z')],
    ]);
  });

  it('a placement review shows on the placement, survives a move, and moves the review queue 28 days after it', () => {
    const placed = [identifiedAdult, consentGiven, referred, rgPositive, placementStarted];
    const reviewed: CaseEvent = {
      type: 'PlacementReviewed',
      data: { placementId: 'placement-1', reviewedOn: '2026-04-06', outcome: 'move' },
    };
    const spec = given(onCase(caseId, ...placed, reviewed));
    expect(spec.state(caseId).facts.placement).toEqual({
      placementId: 'placement-1',
      provider: 'Safe House Org',
      startedOn: '2026-03-11',
      lastReview: { reviewedOn: '2026-04-06', outcome: 'move' },
    });
    expect(spec.state(caseId).changes.at(-1)).toMatchObject({ type: 'PlacementReviewed', on: '2026-04-06' });
    // Due 8 April from the start; reviewed 6 April, the next is due 4 May, 09:00 BST.
    expect(scoreIn(given(onCase(caseId, ...placed)).outputs(caseId), 'placement_review')).toBe(
      at('2026-04-08T08:00:00Z'),
    );
    expect(scoreIn(spec.outputs(caseId), 'placement_review')).toBe(at('2026-05-04T08:00:00Z'));
    const deadlines = spec.outputs(caseId).documents![caseViewKeys.deadlines(caseId)] as {
      key: string;
      dueAt: string;
    }[];
    expect(deadlines.find((deadline) => deadline.key === 'placement-review')?.dueAt).toBe('2026-05-04T08:00:00.000Z');

    const moved: CaseEvent = {
      type: 'SafeHousePlacementMoved',
      data: { placementId: 'placement-1', movedOn: '2026-04-10', provider: 'Other House', personal: { address: 'B' } },
    };
    expect(given(onCase(caseId, ...placed, reviewed, moved)).state(caseId).facts.placement).toEqual({
      placementId: 'placement-1',
      provider: 'Other House',
      startedOn: '2026-04-10',
      lastReview: { reviewedOn: '2026-04-06', outcome: 'move' },
    });
    // A new placement starts without one.
    expect(given(onCase(caseId, ...placed)).state(caseId).facts.placement?.lastReview).toBeUndefined();
  });

  it('reported missing, a child comes before an adult reported the same day; found, neither is in the queue', () => {
    const missingChild = given(onCase(caseId, identifiedChild, reportedMissing)).outputs(caseId);
    const missingAdult = given(onCase(caseId, identifiedAdult, reportedMissing)).outputs(caseId);
    expect(scoreIn(missingAdult, 'reported_missing')).toBe(at('2026-04-01T00:00:00Z'));
    expect(scoreIn(missingChild, 'reported_missing')).toBe(at('2026-04-01T00:00:00Z') - 1);
    const found: CaseEvent = { type: 'ReportedFound', data: { foundOn: '2026-04-02' } };
    expect(
      scoreIn(given(onCase(caseId, identifiedChild, reportedMissing, found)).outputs(caseId), 'reported_missing'),
    ).toBeUndefined();
  });

  it('a raised reminder keeps the case in the reminders queue while its deadline stands, and not once it is met', () => {
    const reminded = [identifiedAdult, consentGiven, referralReminder];
    expect(scoreIn(given(onCase(caseId, ...reminded)).outputs(caseId), 'reminder_raised')).toBe(
      at('2026-03-03T09:00:00Z'),
    );
    expect(scoreIn(given(onCase(caseId, ...reminded, referred)).outputs(caseId), 'reminder_raised')).toBeUndefined();
  });

  it('closed, it leaves every queue and falls due for an erasure review six years after closure', () =>
    given(onCase(caseId, identifiedAdult, consentGiven, referred, closed)).then(caseId, {
      members: [
        [caseViewKeys.all, caseId, 1],
        [caseViewKeys.stage('closed'), caseId, 1],
        [caseViewKeys.agency(police), caseId, 1],
        [caseViewKeys.child(false), caseId, 1],
        [caseViewKeys.erasureReview, caseId, at('2032-06-02T00:00:00Z')],
      ],
      documents: { [caseViewKeys.deadlines(caseId)]: [] },
    }));

  it('a re-referral keeps its earlier case id, and joins the earlier case’s later-cases index in identification order', () => {
    const earlier = '0b6f3c1e-2222-4a4a-9c9c-0000000000e0';
    const laterB = '0b6f3c1e-2222-4a4a-9c9c-0000000000e1';
    const laterC = '0b6f3c1e-2222-4a4a-9c9c-0000000000e2';
    const reReferral = (id: string): CaseEvent => ({
      type: 'PotentialVictimIdentified',
      data: { ...identifiedAdult.data, caseId: id, previousCaseId: earlier },
    });
    const spec = given(
      onCase(earlier, { ...identifiedAdult, data: { ...identifiedAdult.data, caseId: earlier } }),
      onCase(laterB, reReferral(laterB)),
      onCase(laterC, reReferral(laterC)),
    );
    expect(spec.state(laterB).facts.previousCaseId).toBe(earlier);
    expect(spec.state(earlier).facts.previousCaseId).toBeUndefined();
    const laterCases = (id: string) =>
      (spec.outputs(id).members ?? []).filter(([key]) => key.startsWith('case-later-cases:'));
    // Written from each later case's own stream, keyed by the case it names (positions 2 and 3 in `$all`).
    expect(laterCases(laterB)).toEqual([[caseViewKeys.laterCases(earlier), laterB, 2]]);
    expect(laterCases(laterC)).toEqual([[caseViewKeys.laterCases(earlier), laterC, 3]]);
    expect(laterCases(earlier)).toEqual([]);
  });

  it('keeps personal fields as the events hold them (sealed), each with its event; facts, changes and outputs hold none', () => {
    const spec = given(onCase(caseId, identifiedAdult, consentGiven, referred, placementStarted));
    const [identification, , referral, placement] = spec.events;
    const view = spec.state(caseId);
    expect(view.personal).toEqual({
      details: {
        eventId: identification!.id,
        type: 'PotentialVictimIdentified',
        data: { personal: { name: 'Test Person A', aliases: ['TPA'] } },
      },
      referralReference: { eventId: referral!.id, type: 'NrmReferralSubmitted', data: { reference: 'NRM-0001' } },
      placementAddress: {
        eventId: placement!.id,
        type: 'SafeHousePlacementStarted',
        data: { personal: { address: '1 Test Street' } },
      },
    });
    const shown = JSON.stringify([view.facts, view.changes, spec.outputs(caseId)]);
    for (const personal of ['Test Person A', 'TPA', 'Car wash', 'NRM-0001', '1 Test Street']) {
      expect(shown).not.toContain(personal);
    }
    // The location is the person's too, and the view has no use for it.
    expect(JSON.stringify(view)).not.toContain('Car wash');

    const ended: CaseEvent = {
      type: 'SafeHousePlacementEnded',
      data: { placementId: 'placement-1', endedOn: '2026-04-01', reason: 'moved_on' },
    };
    const afterEnd = given(onCase(caseId, identifiedAdult, consentGiven, referred, placementStarted, ended));
    expect(afterEnd.state(caseId).personal.placementAddress).toBeUndefined();
  });

  it('logs each change people made with when it was recorded and the date it names; a raised reminder is not one', () => {
    const view = given(onCase(caseId, identifiedAdult, consentGiven, referralReminder, referred)).state(caseId);
    expect(view.changes).toEqual([
      { type: 'PotentialVictimIdentified', at: recordedAt(clock, 0), on: '2026-03-01' },
      { type: 'ConsentGiven', at: recordedAt(clock, 1), on: '2026-03-02' },
      { type: 'NrmReferralSubmitted', at: recordedAt(clock, 3), on: '2026-03-03' },
    ]);
    expect(view.facts.reminders).toEqual([
      {
        key: 'referral-decision',
        kind: 'referral_decision',
        label: 'due',
        dueAt: '2026-03-03T09:00:00.000Z',
        raisedAt: '2026-03-03T09:00:00.000Z',
      },
    ]);
    expect([view.facts.identifiedAt, view.facts.lastEventAt, view.revision]).toEqual([
      recordedAt(clock, 0),
      recordedAt(clock, 3),
      3,
    ]);
  });
});

describe('case view projection: between agencies', () => {
  const shareTo = (agency: string, shareId: string): CaseEvent => ({
    type: 'CaseShared',
    data: {
      shareId,
      fromAgency: police,
      withAgency: agency,
      purpose: 'health_care',
      legalBasis: 'public_task_safeguarding',
      scope: 'summary',
      sharedOn: '2026-03-02',
      consent: 'given',
    },
  });
  /** The queues of agencies other than the owner (the case is assigned there, to cw-1). */
  const between = (outputs: ReadModelOutputs) =>
    queues(outputs).filter(([key]) => !key.endsWith(`:${police}`) && !key.endsWith(':cw-1'));
  const assignedHere = assigned('cw-1', police);

  it('a share offered waits in the receiving agency’s queue and its SPOC’s; accepted, it lists the case with that agency', () => {
    expect(
      between(given(onCase(caseId, identifiedAdult, assignedHere, shareTo('nhs-trust', 's1'))).outputs(caseId)),
    ).toEqual([
      [queueKey('share_awaiting_response', 'agency', 'nhs-trust'), caseId, at('2026-03-02T00:00:00Z')],
      [queueKey('spoc', 'agency', 'nhs-trust'), caseId, at('2026-03-02T00:00:00Z')],
    ]);
    const accepted: CaseEvent = { type: 'CaseShareAccepted', data: { shareId: 's1', acceptedOn: '2026-03-03' } };
    expect(
      between(
        given(onCase(caseId, identifiedAdult, assignedHere, shareTo('nhs-trust', 's1'), accepted)).outputs(caseId),
      ),
    ).toEqual([[queueKey('shared_with_agency', 'agency', 'nhs-trust'), caseId, at('2026-03-02T00:00:00Z')]]);
    const revoked: CaseEvent = {
      type: 'CaseShareRevoked',
      data: { shareId: 's1', revokedOn: '2026-03-04', reason: 'r' },
    };
    expect(
      between(
        given(onCase(caseId, identifiedAdult, assignedHere, shareTo('nhs-trust', 's1'), accepted, revoked)).outputs(
          caseId,
        ),
      ),
    ).toEqual([]);
  });

  it('a transfer asked waits with the new agency; accepted, the case, unassigned, moves to the new agency’s queues and SPOC', () => {
    const requested: CaseEvent = {
      type: 'CaseTransferRequested',
      data: { transferId: 't1', fromAgency: police, toAgency: 'safe-harbour', requestedOn: '2026-03-02', reason: 'r' },
    };
    expect(between(given(onCase(caseId, identifiedAdult, assignedHere, requested)).outputs(caseId))).toEqual([
      [queueKey('transfer_awaiting_response', 'agency', 'safe-harbour'), caseId, at('2026-03-02T00:00:00Z')],
      [queueKey('spoc', 'agency', 'safe-harbour'), caseId, at('2026-03-02T00:00:00Z')],
    ]);
    const accepted: CaseEvent = {
      type: 'CaseTransferAccepted',
      data: { transferId: 't1', fromAgency: police, toAgency: 'safe-harbour', acceptedOn: '2026-03-03' },
    };
    const outputs = given(onCase(caseId, identifiedAdult, assignedHere, requested, accepted)).outputs(caseId);
    const keys = queues(outputs).map(([key]) => key);
    expect(keys).toEqual(
      expect.arrayContaining([
        queueKey('unassigned', 'agency', 'safe-harbour'),
        queueKey('spoc', 'agency', 'safe-harbour'),
      ]),
    );
    expect(keys.filter((key) => key.endsWith(`:${police}`) || key.endsWith(':cw-1'))).toEqual([]);
    expect(outputs.members).not.toContainEqual([caseViewKeys.agency(police), caseId, 1]);
    expect(outputs.members).toContainEqual([caseViewKeys.agency('safe-harbour'), caseId, 1]);
  });
});
