import type { agenda } from '../marac.queries';

export type Agenda = ReturnType<typeof agenda>;

/** A synthetic agenda of two cases, one discussed here with an action typed as a formula. */
export const twoCaseAgenda = {
  meetingId: 'm-1',
  area: 'West',
  meetsOn: '2026-11-20',
  attendingAgencies: ['housing'],
  closedOn: null,
  previousMeeting: null,
  cases: [
    {
      caseId: 'case-a',
      stage: 'recovery_period',
      child: false,
      riskLevel: 'high',
      identifyingAgency: 'police',
      assignee: null,
      area: 'West',
      identifiedOn: '2026-10-01',
      missing: false,
      inSafeHouse: true,
      discussedHere: { riskLevel: 'high', decisions: ['refer to housing', 'review, "urgently"'] },
      openActions: [
        {
          meetingId: 'm-1',
          actionId: 'x',
          description: '=HYPERLINK("http://x")',
          ownerAgency: 'housing',
          dueOn: '2026-11-27',
          overdue: false,
        },
      ],
      overdueActions: [],
      changedSinceLastMeeting: [
        { type: 'ReasonableGroundsDecisionMade', at: '2026-11-02T10:00:00.000Z', on: '2026-11-01' },
      ],
      recordedLate: [{ type: 'RiskAssessed', at: '2026-11-03T10:00:00.000Z', on: '2026-10-20' }],
    },
    {
      caseId: 'case-b',
      stage: 'referred',
      child: true,
      riskLevel: null,
      identifyingAgency: 'police',
      assignee: { caseworkerId: 'cw-1', agency: 'police' },
      area: 'West',
      identifiedOn: '2026-10-05',
      missing: false,
      inSafeHouse: false,
      discussedHere: null,
      openActions: [],
      overdueActions: [],
      changedSinceLastMeeting: [],
      recordedLate: [],
    },
  ],
} as unknown as Agenda;

/** `count` cases like the first of `twoCaseAgenda`, with ids `case-001`..., after a previous meeting: a long agenda. */
export function longAgenda(count: number): Agenda {
  const [first] = twoCaseAgenda.cases;
  return {
    ...twoCaseAgenda,
    previousMeeting: { meetingId: 'm-0', meetsOn: '2026-11-13' },
    cases: Array.from({ length: count }, (_, index) => ({
      ...first!,
      caseId: `case-${String(index + 1).padStart(3, '0')}`,
    })),
  };
}
