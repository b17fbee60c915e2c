import type { CaseEvent } from '../case/case-events';
import type { MaracMeetingEvent } from '../marac/meeting-events';
import { EVENT_CLASSIFICATION, personalFieldsOfType, subjectOf } from './classification';

type AnyEvent = CaseEvent | MaracMeetingEvent;
/** One example of every event type with every field set, optional ones included. */
const EXAMPLES: { [E in AnyEvent as E['type']]: E['data'] } = {
  PotentialVictimIdentified: {
    enteredAt: '2026-01-01T10:00:00.000Z',
    caseId: 'c',
    identifyingAgency: 'police',
    identifiedOn: '2026-01-01',
    location: 'L',
    encounterContext: 'other',
    indicators: ['isolation'],
    exploitationTypes: ['sexual'],
    child: false,
    area: 'West',
    nationality: 'Testland',
    previousCaseId: 'p',
    personal: { name: 'N', aliases: ['A'], dateOfBirth: '1990-01-01', contact: 'C' },
  },
  CaseAssigned: { caseworkerId: 'w', agency: 'police' },
  ConsentGiven: { givenOn: '2026-01-01', language: 'en', interpreterUsed: false },
  ConsentDeclined: { declinedOn: '2026-01-01', language: 'en', interpreterUsed: false },
  DutyToNotifySubmitted: { submittedOn: '2026-01-01', agency: 'police', reference: 'R' },
  NrmReferralSubmitted: {
    enteredAt: '2026-01-01T10:00:00.000Z',
    submittedOn: '2026-01-01',
    firstResponder: 'police',
    competentAuthority: 'single_competent_authority',
    reference: 'R',
  },
  ReasonableGroundsDecisionMade: {
    outcome: 'positive',
    decidedOn: '2026-01-01',
    enteredAt: '2026-01-01T10:00:00.000Z',
  },
  ConclusiveGroundsDecisionMade: {
    outcome: 'positive',
    decidedOn: '2026-01-01',
    enteredAt: '2026-01-01T10:00:00.000Z',
  },
  ReconsiderationRequested: { decision: 'reasonable_grounds', requestedOn: '2026-01-01' },
  ReconsiderationDecided: {
    decision: 'reasonable_grounds',
    outcome: 'positive',
    decidedOn: '2026-01-01',
    enteredAt: '2026-01-01T10:00:00.000Z',
  },
  SafeHousePlacementRequested: { requestedOn: '2026-01-01', emergencyOutsideNrm: false },
  SafeHousePlacementStarted: {
    enteredAt: '2026-01-01T10:00:00.000Z',
    placementId: 'p',
    startedOn: '2026-01-01',
    provider: 'P',
    emergencyOutsideNrm: false,
    personal: { address: 'A' },
  },
  SafeHousePlacementMoved: {
    placementId: 'p',
    movedOn: '2026-01-01',
    provider: 'P',
    personal: { address: 'A' },
    enteredAt: '2026-01-01T10:00:00.000Z',
  },
  PlacementReviewed: {
    placementId: 'p',
    reviewedOn: '2026-01-01',
    outcome: 'continue',
    enteredAt: '2026-01-01T10:00:00.000Z',
  },
  SafeHousePlacementEnded: { placementId: 'p', endedOn: '2026-01-01', reason: 'moved_on' },
  OutreachSupportStarted: { startedOn: '2026-01-01', provider: 'P' },
  MoveOnSupportStarted: { startedOn: '2026-01-01', provider: 'P' },
  ExitedNrm: { exitedOn: '2026-01-01', reason: 'support_completed', enteredAt: '2026-01-01T10:00:00.000Z' },
  FollowUpCompleted: {
    followUp: 1,
    completedOn: '2026-01-01',
    outcome: 'stable',
    situation: {
      contact: 'in_contact',
      accommodation: 'settled',
      workOrEducation: 'employed',
      healthSupport: 'receiving',
      exploitation: 'not_at_risk',
      immigrationStatus: 'resolved',
    },
  },
  ReportedMissing: { reportedOn: '2026-01-01', enteredAt: '2026-01-01T10:00:00.000Z' },
  ReportedFound: { foundOn: '2026-01-01' },
  RiskAssessed: { level: 'high', assessedOn: '2026-01-01', rationale: 'R' },
  ReferredToMarac: { referredOn: '2026-01-01', reason: 'R' },
  NoteAdded: { noteId: 'n', personal: { text: 'T' } },
  CaseClosed: { closedOn: '2026-01-01', reason: 'other' },
  CaseReopened: { reopenedOn: '2026-01-01', reason: 'R' },
  ReminderRaised: { key: 'k', kind: 'k', label: 'due', dueAt: 'x', reminderAt: 'x', late: true },
  PersonalDataErased: {
    subject: 's',
    keyId: 'k',
    erasedOn: '2026-01-01',
    reason: 'other',
    legalBasis: 'art17_1a_no_longer_necessary',
    sealedFields: 1,
    digest: 'd',
  },
  LegalHoldSet: { setOn: '2026-01-01', reason: 'other' },
  LegalHoldLifted: { liftedOn: '2026-01-01', reason: 'set_in_error' },
  CaseShared: {
    shareId: 's',
    fromAgency: 'police',
    withAgency: 'health',
    purpose: 'health_care',
    legalBasis: 'consent',
    scope: 'summary',
    sharedOn: '2026-01-01',
    expiresOn: '2026-02-01',
    consent: 'given',
  },
  CaseShareAccepted: { shareId: 's', acceptedOn: '2026-01-01' },
  CaseShareDeclined: { shareId: 's', declinedOn: '2026-01-01', reason: 'R' },
  CaseShareRevoked: { shareId: 's', revokedOn: '2026-01-01', reason: 'R' },
  CaseShareExpired: { shareId: 's', expiredAt: '2026-01-01T00:00:00.000Z' },
  CaseTransferRequested: {
    transferId: 't',
    fromAgency: 'police',
    toAgency: 'health',
    requestedOn: '2026-01-01',
    reason: 'R',
  },
  CaseTransferAccepted: { transferId: 't', fromAgency: 'police', toAgency: 'health', acceptedOn: '2026-01-01' },
  CaseTransferDeclined: { transferId: 't', declinedOn: '2026-01-01', reason: 'R' },
  MaracMeetingScheduled: { meetingId: 'm', area: 'West', meetsOn: '2026-01-01', attendingAgencies: ['police'] },
  CaseListedAtMarac: { caseId: 'c' },
  CaseDiscussedAtMarac: { caseId: 'c', riskLevel: 'high', decisions: ['D'] },
  MaracActionAgreed: { actionId: 'a', caseId: 'c', description: 'D', ownerAgency: 'housing', dueOn: '2026-01-01' },
  MaracActionCompleted: { actionId: 'a', completedOn: '2026-01-01', completedBy: 'housing' },
  MaracActionReminderRaised: {
    actionId: 'a',
    caseId: 'c',
    key: 'k',
    label: 'due',
    dueAt: 'x',
    reminderAt: 'x',
    late: true,
  },
  MaracMeetingClosed: { closedOn: '2026-01-01' },
};

/** The fields of a value, nested objects field by field, arrays as one value. */
function leaves(value: unknown, path: string[] = []): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [path.join('.')];
  return Object.entries(value).flatMap(([field, inner]) => leaves(inner, [...path, field]));
}

function classifiedLeaves(shape: object, path: string[] = []): string[] {
  return Object.entries(shape).flatMap(([field, entry]: [string, object]) =>
    'kind' in entry ? [[...path, field].join('.')] : classifiedLeaves(entry, [...path, field]),
  );
}

describe('the classification of personal data', () => {
  it('has an example of every classified event type, and a classification for every example', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(EVENT_CLASSIFICATION).sort());
  });

  it.each(Object.keys(EXAMPLES))('classifies every field of %s, and only fields it has', (type) => {
    const example = EXAMPLES[type as keyof typeof EXAMPLES];
    const shape = EVENT_CLASSIFICATION[type as keyof typeof EVENT_CLASSIFICATION];
    expect(leaves(example).sort()).toEqual(classifiedLeaves(shape).sort());
  });

  it('keeps everything under `personal`, and all free text, under the person’s key', () => {
    for (const type of Object.keys(EVENT_CLASSIFICATION)) {
      const personal = personalFieldsOfType(type).map((field) => field.path.join('.'));
      const underPersonal = leaves(EXAMPLES[type as keyof typeof EXAMPLES]).filter((p) => p.startsWith('personal.'));
      expect(personal).toEqual(expect.arrayContaining(underPersonal));
    }
    expect(personalFieldsOfType('NoteAdded')[0]).toMatchObject({
      path: ['personal', 'text'],
      class: { part: 'noteText', special: ['health', 'sexual_exploitation', 'criminal_exploitation'] },
    });
    for (const [type, field] of [
      ['RiskAssessed', 'rationale'],
      ['ReferredToMarac', 'reason'],
      ['CaseReopened', 'reason'],
      ['MaracActionAgreed', 'description'],
      ['CaseDiscussedAtMarac', 'decisions'],
      ['NrmReferralSubmitted', 'reference'],
    ] as const) {
      expect(personalFieldsOfType(type).map((f) => f.path.join('.'))).toContain(field);
    }
  });

  it('leaves every fact a deadline, a queue or the problem profile needs in clear', () => {
    const dates = Object.entries(EXAMPLES).flatMap(([type, data]) =>
      leaves(data)
        .filter((path) => /(On|At)$/.test(path))
        .map((path) => `${type}.${path}`),
    );
    const sealed = Object.keys(EXAMPLES).flatMap((type) =>
      personalFieldsOfType(type).map((field) => `${type}.${field.path.join('.')}`),
    );
    // Dates of birth are the person's; every other date is a fact of the pathway.
    expect(dates.filter((path) => sealed.includes(path))).toEqual([]);
    for (const fact of ['exploitationTypes', 'nationality', 'area', 'child', 'indicators']) {
      expect(sealed).not.toContain(`PotentialVictimIdentified.${fact}`);
    }
  });

  it('finds the person a field belongs to from the case stream or the case a meeting event names', () => {
    expect(subjectOf('victim', 'case-123', {})).toBe('victim-123');
    expect(subjectOf('victim', 'marac-meeting-9', { caseId: '456' })).toBe('victim-456');
    expect(subjectOf('victim', 'marac-meeting-9', {})).toBeUndefined();
  });
});
