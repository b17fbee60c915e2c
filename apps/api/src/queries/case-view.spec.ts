import type { CaseEvent } from '@app/case-domain';
import {
  caseId,
  cgPositive,
  consentGiven,
  exited,
  identifiedAdult,
  now,
  referred,
  rgPositive,
  stableSituation,
} from '@app/case-domain/testing/case-fixtures';
import { caseViewProjection } from '@app/read-models';
import { onCase, projectionSpecification } from '@app/read-models/projections/testing/given-events';
import { caseView } from './case-view';

const given = projectionSpecification(
  caseViewProjection(() => []),
  now,
);
const shown = (...events: CaseEvent[]) =>
  caseView(given(onCase(caseId, ...events)).state(caseId), [], [], [], { erasedFields: [] }, now.getTime());

describe('the case view of follow-ups', () => {
  it('shows each follow-up with the situation it recorded, and null for one recorded before situations were asked', () =>
    expect(
      shown(
        identifiedAdult,
        consentGiven,
        referred,
        rgPositive,
        cgPositive,
        exited,
        { type: 'FollowUpCompleted', data: { followUp: 1, completedOn: '2026-06-05', outcome: 'at_risk' } },
        {
          type: 'FollowUpCompleted',
          data: { followUp: 2, completedOn: '2026-06-10', outcome: 'stable', situation: stableSituation },
        },
      ).followUps,
    ).toEqual([
      { followUp: 1, completedOn: '2026-06-05', outcome: 'at_risk', situation: null },
      { followUp: 2, completedOn: '2026-06-10', outcome: 'stable', situation: stableSituation },
    ]));
});
