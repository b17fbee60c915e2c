import type { CaseEvent, PotentialVictimIdentified } from '@app/case-domain';
import {
  cgPositive,
  consentGiven,
  exited,
  identifiedAdult,
  lostContactSituation,
  now,
  placementStarted,
  referred,
  rgNegative,
  rgPositive,
  stableSituation,
} from '@app/case-domain/testing/case-fixtures';
import { cg, notified, placementEnded, reconsidered } from '@app/case-domain/testing/dated-events';
import { onCase, projectionSpecification, type Counters } from '../testing/given-events';
import { ALL_AREAS, problemProfileProjection, profileKey } from './problem-profile.projection';

const given = projectionSpecification(problemProfileProjection(), now);

const caseA = '0b6f3c1e-1111-4a4a-9c9c-00000000000a';
const caseB = '0b6f3c1e-1111-4a4a-9c9c-00000000000b';
const caseC = '0b6f3c1e-1111-4a4a-9c9c-00000000000c';
/** The fixture's adult (labour, Testland, identified 1 March by the police), in `area`. */
const identified = (
  caseId: string,
  area: string,
  data: Partial<PotentialVictimIdentified['data']> = {},
): PotentialVictimIdentified => ({
  type: 'PotentialVictimIdentified',
  data: { ...identifiedAdult.data, caseId, area, ...data },
});
/** The same counters in an area's profile and in every area's. */
const inNorthAndAll = (month: string, fields: Record<string, number>): Counters => ({
  [profileKey('North', month)]: fields,
  [profileKey(ALL_AREAS, month)]: fields,
});
const identifiedInMarch = {
  identifications: 1,
  'age_group:adult': 1,
  'nationality:Testland': 1,
  'exploitation:labour': 1,
};

describe('problem profile projection: given events, then counters', () => {
  it('an identified case counts once in its area and once across all areas, in the month it was identified', () =>
    given(onCase(caseA, identified(caseA, 'North'))).thenCounts(inNorthAndAll('2026-03', identifiedInMarch)));

  it('cases add up, per area and across areas', () =>
    given(
      onCase(caseA, identified(caseA, 'North')),
      onCase(caseB, identified(caseB, 'North', { child: true, exploitationTypes: ['sexual', 'labour'] })),
      onCase(caseC, identified(caseC, 'South', { nationality: undefined, previousCaseId: caseA })),
    ).thenCounts({
      [profileKey('North', '2026-03')]: {
        identifications: 2,
        'age_group:adult': 1,
        'age_group:child': 1,
        'nationality:Testland': 2,
        'exploitation:labour': 2,
        'exploitation:sexual': 1,
      },
      [profileKey('South', '2026-03')]: {
        identifications: 1,
        'age_group:adult': 1,
        'nationality:not recorded': 1,
        'exploitation:labour': 1,
        re_referrals: 1,
      },
      [profileKey(ALL_AREAS, '2026-03')]: {
        identifications: 3,
        'age_group:adult': 2,
        'age_group:child': 1,
        'nationality:Testland': 2,
        'nationality:not recorded': 1,
        'exploitation:labour': 3,
        'exploitation:sexual': 1,
        re_referrals: 1,
      },
    }));

  it('a re-referral counts once, in the month and area the later case was identified; the earlier case counts none', () => {
    const counts = given(
      onCase(caseA, identified(caseA, 'North')),
      onCase(caseB, identified(caseB, 'South', { identifiedOn: '2026-04-02', previousCaseId: caseA })),
    ).counts();
    expect(counts[profileKey('South', '2026-04')]).toMatchObject({ identifications: 1, re_referrals: 1 });
    expect(counts[profileKey(ALL_AREAS, '2026-04')]).toMatchObject({ identifications: 1, re_referrals: 1 });
    expect(counts[profileKey('North', '2026-03')]).not.toHaveProperty('re_referrals');
    expect(counts[profileKey(ALL_AREAS, '2026-03')]).not.toHaveProperty('re_referrals');
  });

  it('each step of the pathway counts in the month it happened, with the days each decision took', () =>
    given(
      onCase(
        caseA,
        identified(caseA, 'North'),
        consentGiven,
        referred,
        notified('2026-03-03'),
        rgPositive,
        placementStarted,
        cgPositive,
        placementEnded('2026-05-20'),
        exited,
      ),
    ).thenCounts({
      ...inNorthAndAll('2026-03', {
        ...identifiedInMarch,
        referrals: 1,
        'referring_agency:police-west': 1,
        duties_to_notify: 1,
        'decision:reasonable_grounds:positive': 1,
        // Referred 3 March, decided 10 March.
        'days_referral_to_rg:7': 1,
        placements_started: 1,
      }),
      ...inNorthAndAll('2026-05', {
        'decision:conclusive_grounds:positive': 1,
        // Positive RG 10 March, CG 1 May.
        'days_rg_to_cg:52': 1,
        'placement_ended:moved_on': 1,
      }),
      ...inNorthAndAll('2026-06', { 'exit:support_completed': 1 }),
    }));

  it('a case moving on adds to the months it reaches and never takes back what it counted before', () => {
    // The profile counts what happened each month (flows), not where cases stand now.
    const inRecovery = [identified(caseA, 'North'), consentGiven, referred, rgPositive, placementStarted];
    const march = given(onCase(caseA, ...inRecovery)).counts();
    const movedOn = given(onCase(caseA, ...inRecovery, cgPositive, placementEnded('2026-05-20'), exited)).counts();
    expect(movedOn[profileKey('North', '2026-03')]).toEqual(march[profileKey('North', '2026-03')]);
    expect(movedOn[profileKey(ALL_AREAS, '2026-03')]).toEqual(march[profileKey(ALL_AREAS, '2026-03')]);
    const laterMonths = ['2026-05', '2026-06'].flatMap((month) => Object.keys(inNorthAndAll(month, {})));
    expect(Object.keys(movedOn).sort()).toEqual([...Object.keys(march), ...laterMonths].sort());
  });

  it('a reconsidered decision counts as a reconsideration; referral to RG is timed to the first, RG to CG to the positive one', () => {
    const reconsideredCase: CaseEvent[] = [
      identified(caseA, 'North'),
      consentGiven,
      referred,
      rgNegative,
      { type: 'ReconsiderationRequested', data: { decision: 'reasonable_grounds', requestedOn: '2026-03-12' } },
      reconsidered('reasonable_grounds', 'positive', '2026-04-01'),
      cg('2026-05-20'),
    ];
    const counts = given(onCase(caseA, ...reconsideredCase)).counts();
    expect(counts[profileKey('North', '2026-03')]).toMatchObject({
      'decision:reasonable_grounds:negative': 1,
      'days_referral_to_rg:7': 1,
    });
    expect(counts[profileKey('North', '2026-04')]).toEqual({ 'reconsideration:reasonable_grounds:positive': 1 });
    // Positive on reconsideration 1 April, CG 20 May.
    expect(counts[profileKey('North', '2026-05')]).toEqual({
      'decision:conclusive_grounds:positive': 1,
      'days_rg_to_cg:49': 1,
    });
  });

  it('counts each follow-up at its stage, in the month it was completed: its outcome and each part of the situation', () => {
    const counts = given(
      onCase(
        caseA,
        identified(caseA, 'North'),
        consentGiven,
        referred,
        rgPositive,
        cgPositive,
        exited,
        {
          type: 'FollowUpCompleted',
          data: { followUp: 1, completedOn: '2026-07-01', outcome: 'stable', situation: stableSituation },
        },
        {
          type: 'FollowUpCompleted',
          data: { followUp: 2, completedOn: '2026-08-30', outcome: 'not_reachable', situation: lostContactSituation },
        },
      ),
    ).counts();
    expect(counts[profileKey('North', '2026-07')]).toEqual({
      'follow_up:1:completed': 1,
      'follow_up:1:outcome:stable': 1,
      'follow_up:1:contact:in_contact': 1,
      'follow_up:1:accommodation:settled': 1,
      'follow_up:1:workOrEducation:employed': 1,
      'follow_up:1:healthSupport:not_needed': 1,
      'follow_up:1:exploitation:not_at_risk': 1,
      'follow_up:1:immigrationStatus:resolved': 1,
    });
    expect(counts[profileKey(ALL_AREAS, '2026-08')]).toEqual({
      'follow_up:2:completed': 1,
      'follow_up:2:outcome:not_reachable': 1,
      'follow_up:2:contact:lost_contact': 1,
      'follow_up:2:accommodation:unknown': 1,
      'follow_up:2:workOrEducation:unknown': 1,
      'follow_up:2:healthSupport:unknown': 1,
      'follow_up:2:exploitation:unknown': 1,
      'follow_up:2:immigrationStatus:unknown': 1,
    });
  });

  it('counts a follow-up recorded before the situation was asked as not recorded, so each part still adds up', () => {
    const counts = given(
      onCase(caseA, identified(caseA, 'North'), consentGiven, referred, rgPositive, cgPositive, exited, {
        type: 'FollowUpCompleted',
        data: { followUp: 1, completedOn: '2026-07-01', outcome: 'at_risk' },
      }),
    ).counts();
    expect(counts[profileKey('North', '2026-07')]).toEqual({
      'follow_up:1:completed': 1,
      'follow_up:1:outcome:at_risk': 1,
      'follow_up:1:contact:not_recorded': 1,
      'follow_up:1:accommodation:not_recorded': 1,
      'follow_up:1:workOrEducation:not_recorded': 1,
      'follow_up:1:healthSupport:not_recorded': 1,
      'follow_up:1:exploitation:not_recorded': 1,
      'follow_up:1:immigrationStatus:not_recorded': 1,
    });
  });

  it('counts facts only: no name, location or reference in any counter', () => {
    const shown = JSON.stringify(given(onCase(caseA, identified(caseA, 'North'), consentGiven, referred)).counts());
    for (const personal of ['Test Person A', 'TPA', 'Car wash', 'NRM-0001']) expect(shown).not.toContain(personal);
  });
});
