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
import { onCase, projectionSpecification, type GivenEvent } from '../testing/given-events';
import { childrenRegisterProjection } from './children-register.projection';

const given = projectionSpecification(childrenRegisterProjection(), now);

const caseA = '0b6f3c1e-2222-4a4a-9c9c-00000000000a';
const caseB = '0b6f3c1e-2222-4a4a-9c9c-00000000000b';
const caseC = '0b6f3c1e-2222-4a4a-9c9c-00000000000c';
const inArea = (event: PotentialVictimIdentified, caseId: string, area?: string): PotentialVictimIdentified => ({
  type: 'PotentialVictimIdentified',
  data: { ...event.data, caseId, area },
});
const child = (caseId: string, area = 'West') => inArea(identifiedChild, caseId, area);

/** Given events, then each area's register: how many cases each of its cells holds. */
function register(...events: (readonly GivenEvent[])[]): Record<string, Record<string, number>> {
  const spec = given(...events);
  const shown: Record<string, Record<string, number>> = {};
  for (const caseId of [caseA, caseB, caseC]) {
    for (const [key, member] of spec.outputs(caseId).members ?? []) {
      expect(member).toBe(caseId);
      const [, area, cell] = /^children-register:([^:]+):(.+)$/.exec(key)!;
      const cells = (shown[area!] ??= {});
      cells[cell!] = (cells[cell!] ?? 0) + 1;
    }
  }
  return shown;
}

describe('children’s register projection: given events, then where children’s cases stand', () => {
  it('counts a child identified in an area, by stage', () =>
    expect(register(onCase(caseA, child(caseA)))).toEqual({
      West: { total: 1, 'stage:awaiting_referral': 1 },
    }));

  it('moves a case from stage to stage: the register says where cases stand now, not what happened', () =>
    expect(
      register(
        onCase(caseA, child(caseA), referred, rgPositive),
        onCase(caseB, child(caseB), referred),
        onCase(caseC, child(caseC, 'East'), referred, rgNegative),
      ),
    ).toEqual({
      West: { total: 2, 'stage:recovery_period': 1, 'stage:referred': 1 },
      East: { total: 1, 'stage:negative_reasonable_grounds': 1 },
    }));

  it('counts a child who has left the NRM with the decision in force when they left', () =>
    expect(
      register(
        onCase(caseA, child(caseA), referred, rgPositive, cgPositive, exited),
        onCase(caseB, child(caseB), referred, rgPositive, cgNegative, exited),
        onCase(caseC, child(caseC), referred, {
          type: 'ExitedNrm',
          data: { exitedOn: '2026-03-05', reason: 'left_support' },
        }),
      ),
    ).toEqual({
      West: {
        total: 3,
        'stage:exited': 3,
        'exited:conclusive_grounds_positive': 1,
        'exited:conclusive_grounds_negative': 1,
        'exited:no_decision': 1,
      },
    }));

  it('counts a child reported missing while missing, and no longer once found', () => {
    expect(register(onCase(caseA, child(caseA), reportedMissing))).toEqual({
      West: { total: 1, 'stage:awaiting_referral': 1, missing: 1 },
    });
    expect(register(onCase(caseA, child(caseA), reportedMissing, found('2026-04-02')))).toEqual({
      West: { total: 1, 'stage:awaiting_referral': 1 },
    });
  });

  it('leaves out closed cases, adults’ cases, and keeps nothing of an adult’s case', () => {
    const events = [
      onCase(caseA, child(caseA), closed),
      onCase(caseB, inArea(identifiedAdult, caseB, 'West'), referred, rgPositive),
    ];
    expect(register(...events)).toEqual({});
    expect(given(...events).state(caseB)).toEqual({ child: null });
  });

  it('counts a child without an area under unspecified', () =>
    expect(register(onCase(caseA, inArea(identifiedChild, caseA)))).toEqual({
      unspecified: { total: 1, 'stage:awaiting_referral': 1 },
    }));

  it('holds no personal data: no name, alias, location or reference in its outputs or state', () => {
    const spec = given(onCase(caseA, child(caseA), referred));
    const shown = JSON.stringify([spec.outputs(caseA), spec.state(caseA)]);
    for (const personal of ['Test Person', 'TPA', 'Car wash', 'NRM-0001']) expect(shown).not.toContain(personal);
  });
});
