import type { PotentialVictimIdentified } from '@app/case-domain';
import {
  cgNegative,
  cgPositive,
  closed,
  exited,
  identifiedAdult,
  identifiedChild,
  now,
  referred,
  reportedMissing,
  rgNegative,
  rgPositive,
} from '@app/case-domain/testing/case-fixtures';
import { found } from '@app/case-domain/testing/dated-events';
import { onCase, projectionSpecification } from '../testing/given-events';
import { childrenRegisterKey, childrenRegisterProjection } from './children-register.projection';

const given = projectionSpecification(childrenRegisterProjection(), now);

const caseA = '0b6f3c1e-2222-4a4a-9c9c-00000000000a';
const caseB = '0b6f3c1e-2222-4a4a-9c9c-00000000000b';
const caseC = '0b6f3c1e-2222-4a4a-9c9c-00000000000c';
const inArea = (event: PotentialVictimIdentified, caseId: string, area?: string): PotentialVictimIdentified => ({
  type: 'PotentialVictimIdentified',
  data: { ...event.data, caseId, area },
});
const child = (caseId: string, area = 'West') => inArea(identifiedChild, caseId, area);
const west = childrenRegisterKey('West');

describe('children’s register projection: given events, then where children’s cases stand', () => {
  it('counts a child identified in an area, by stage', () =>
    given(onCase(caseA, child(caseA))).thenCounts({
      [west]: { total: 1, 'stage:awaiting_referral': 1 },
    }));

  it('moves a case from stage to stage: the counters say where cases stand now, not what happened', () =>
    given(
      onCase(caseA, child(caseA), referred, rgPositive),
      onCase(caseB, child(caseB), referred),
      onCase(caseC, child(caseC, 'East'), referred, rgNegative),
    ).thenCounts({
      [west]: { total: 2, 'stage:recovery_period': 1, 'stage:referred': 1 },
      [childrenRegisterKey('East')]: { total: 1, 'stage:negative_reasonable_grounds': 1 },
    }));

  it('counts a child who has left the NRM with the decision in force when they left', () =>
    given(
      onCase(caseA, child(caseA), referred, rgPositive, cgPositive, exited),
      onCase(caseB, child(caseB), referred, rgPositive, cgNegative, exited),
      onCase(caseC, child(caseC), referred, {
        type: 'ExitedNrm',
        data: { exitedOn: '2026-03-05', reason: 'left_support' },
      }),
    ).thenCounts({
      [west]: {
        total: 3,
        'stage:exited': 3,
        'exited:conclusive_grounds_positive': 1,
        'exited:conclusive_grounds_negative': 1,
        'exited:no_decision': 1,
      },
    }));

  it('counts a child reported missing while missing, and no longer once found', () => {
    expect(given(onCase(caseA, child(caseA), reportedMissing)).counts()).toEqual({
      [west]: { total: 1, 'stage:awaiting_referral': 1, missing: 1 },
    });
    expect(given(onCase(caseA, child(caseA), reportedMissing, found('2026-04-02'))).counts()).toEqual({
      [west]: { total: 1, 'stage:awaiting_referral': 1 },
    });
  });

  it('leaves out closed cases, adults’ cases, and keeps nothing of an adult’s case', () => {
    const spec = given(
      onCase(caseA, child(caseA), closed),
      onCase(caseB, inArea(identifiedAdult, caseB, 'West'), referred, rgPositive),
    );
    expect(spec.counts()).toEqual({});
    expect(spec.state(caseB)).toEqual({ child: null });
  });

  it('counts a child without an area under unspecified', () =>
    given(onCase(caseA, inArea(identifiedChild, caseA))).thenCounts({
      [childrenRegisterKey('unspecified')]: { total: 1, 'stage:awaiting_referral': 1 },
    }));

  it('holds no personal data: no name, alias, location or reference in any counter or state', () => {
    const spec = given(onCase(caseA, child(caseA), referred));
    const shown = JSON.stringify([spec.counts(), spec.state(caseA)]);
    for (const personal of ['Test Person', 'TPA', 'Car wash', 'NRM-0001']) expect(shown).not.toContain(personal);
  });
});
