import type { CaseEvent } from '../case/case-events';
import type { MaracMeetingEvent } from '../marac/meeting-events';
import type { PersonalPart } from '../access/redaction';
import { caseIdOfStream } from '../shared/streams';

/**
 * Special category data (UK GDPR Art. 9 and 10) a field may reveal: health, sex life (sexual
 * exploitation), and criminal offences (criminal exploitation).
 */
export type SpecialCategory = 'health' | 'sexual_exploitation' | 'criminal_exploitation';

/** Whose personal data a field is. Today the potential victim of the case; a named suspect may join. */
export type SubjectRole = 'victim';

/**
 * How a field is kept:
 * - `fact`: a fact of the pathway, in clear, because deadlines, queues or the problem profile need it
 *   and it does not identify the person once their personal fields are erased;
 * - `personal`: encrypted under its subject's own key before it is appended, shown through the one
 *   redaction as `part` (`caseText`: to whoever may read the case, as before), erasable.
 */
export type FieldClass =
  | { readonly kind: 'fact'; readonly special?: readonly SpecialCategory[] }
  | {
      readonly kind: 'personal';
      readonly subject: SubjectRole;
      readonly part: PersonalPart | 'caseText';
      readonly special?: readonly SpecialCategory[];
    };

/** A classification for every field of an event's data, nested objects field by field (arrays are one value). */
type Classified<Data> = {
  readonly [Field in keyof Data]-?: NonNullable<Data[Field]> extends readonly unknown[]
    ? FieldClass
    : NonNullable<Data[Field]> extends object
      ? Classified<NonNullable<Data[Field]>>
      : FieldClass;
};

/** Every event type, every field: the compiler refuses a field or an event type left out. */
export type EventClassification = {
  readonly [E in CaseEvent | MaracMeetingEvent as E['type']]: Classified<E['data']>;
};

const fact: FieldClass = { kind: 'fact' };
const victim = (part: PersonalPart | 'caseText', special?: readonly SpecialCategory[]): FieldClass =>
  special ? { kind: 'personal', subject: 'victim', part, special } : { kind: 'personal', subject: 'victim', part };
/** Free text about the case: anything may be written in it, so it is treated as the worst it could hold. */
const freeText = victim('caseText', ['health', 'sexual_exploitation', 'criminal_exploitation']);

/**
 * THE classification of personal data (domain page, "Personal data"): which fields of which events
 * are the person's data, encrypted under their key and erasable, and which are facts of the pathway.
 * Free text is personal (it can name anyone and anything). References given by the Home Office are
 * personal: they identify the person in another system. Exploitation types are special category
 * but stay a fact: the problem profile counts them, and without the name they point at nobody.
 */
export const EVENT_CLASSIFICATION: EventClassification = {
  PotentialVictimIdentified: {
    caseId: fact,
    identifyingAgency: fact,
    identifiedOn: fact,
    location: victim('caseText'),
    encounterContext: fact,
    indicators: { kind: 'fact', special: ['health'] },
    exploitationTypes: { kind: 'fact', special: ['sexual_exploitation', 'criminal_exploitation'] },
    child: fact,
    area: fact,
    nationality: fact,
    previousCaseId: fact,
    enteredAt: fact,
    personal: {
      name: victim('details'),
      aliases: victim('details'),
      dateOfBirth: victim('details'),
      contact: victim('details'),
    },
  },
  CaseAssigned: { caseworkerId: fact, agency: fact },
  ConsentGiven: { givenOn: fact, language: fact, interpreterUsed: fact },
  ConsentDeclined: { declinedOn: fact, language: fact, interpreterUsed: fact },
  DutyToNotifySubmitted: { submittedOn: fact, agency: fact, reference: victim('caseText') },
  NrmReferralSubmitted: {
    submittedOn: fact,
    firstResponder: fact,
    competentAuthority: fact,
    reference: victim('caseText'),
    enteredAt: fact,
  },
  ReasonableGroundsDecisionMade: { outcome: fact, decidedOn: fact, enteredAt: fact },
  ConclusiveGroundsDecisionMade: { outcome: fact, decidedOn: fact, enteredAt: fact },
  ReconsiderationRequested: { decision: fact, requestedOn: fact },
  ReconsiderationDecided: { decision: fact, outcome: fact, decidedOn: fact, enteredAt: fact },
  SafeHousePlacementRequested: { requestedOn: fact, emergencyOutsideNrm: fact },
  SafeHousePlacementStarted: {
    placementId: fact,
    startedOn: fact,
    provider: fact,
    emergencyOutsideNrm: fact,
    enteredAt: fact,
    personal: { address: victim('placementAddress') },
  },
  SafeHousePlacementMoved: {
    placementId: fact,
    movedOn: fact,
    provider: fact,
    enteredAt: fact,
    personal: { address: victim('placementAddress') },
  },
  PlacementReviewed: { placementId: fact, reviewedOn: fact, outcome: fact, enteredAt: fact },
  SafeHousePlacementEnded: { placementId: fact, endedOn: fact, reason: fact },
  OutreachSupportStarted: { startedOn: fact, provider: fact },
  MoveOnSupportStarted: { startedOn: fact, provider: fact },
  ExitedNrm: { exitedOn: fact, reason: fact, enteredAt: fact },
  // The situation is closed lists counted by the problem profile: facts, like nationality. Health
  // support needed or received reveals health.
  FollowUpCompleted: {
    followUp: fact,
    completedOn: fact,
    outcome: fact,
    situation: {
      contact: fact,
      accommodation: fact,
      workOrEducation: fact,
      healthSupport: { kind: 'fact', special: ['health'] },
      exploitation: fact,
      immigrationStatus: fact,
    },
  },
  ReportedMissing: { reportedOn: fact, enteredAt: fact },
  ReportedFound: { foundOn: fact },
  RiskAssessed: { level: fact, assessedOn: fact, rationale: freeText },
  ReferredToMarac: { referredOn: fact, reason: freeText },
  NoteAdded: { noteId: fact, personal: { text: victim('noteText', freeText.special) } },
  CaseClosed: { closedOn: fact, reason: fact },
  CaseReopened: { reopenedOn: fact, reason: freeText },
  ReminderRaised: { key: fact, kind: fact, label: fact, dueAt: fact, reminderAt: fact, late: fact },
  PersonalDataErased: {
    subject: fact,
    keyId: fact,
    erasedOn: fact,
    reason: fact,
    legalBasis: fact,
    sealedFields: fact,
    digest: fact,
  },
  LegalHoldSet: { setOn: fact, reason: fact },
  LegalHoldLifted: { liftedOn: fact, reason: fact },
  CaseShared: {
    shareId: fact,
    fromAgency: fact,
    withAgency: fact,
    purpose: fact,
    legalBasis: fact,
    scope: fact,
    sharedOn: fact,
    expiresOn: fact,
    consent: fact,
  },
  CaseShareAccepted: { shareId: fact, acceptedOn: fact },
  CaseShareDeclined: { shareId: fact, declinedOn: fact, reason: freeText },
  CaseShareRevoked: { shareId: fact, revokedOn: fact, reason: freeText },
  CaseShareExpired: { shareId: fact, expiredAt: fact },
  CaseTransferRequested: { transferId: fact, fromAgency: fact, toAgency: fact, requestedOn: fact, reason: freeText },
  CaseTransferAccepted: { transferId: fact, fromAgency: fact, toAgency: fact, acceptedOn: fact },
  CaseTransferDeclined: { transferId: fact, declinedOn: fact, reason: freeText },
  MaracMeetingScheduled: { meetingId: fact, area: fact, meetsOn: fact, attendingAgencies: fact },
  CaseListedAtMarac: { caseId: fact },
  CaseDiscussedAtMarac: { caseId: fact, riskLevel: fact, decisions: freeText },
  MaracActionAgreed: { actionId: fact, caseId: fact, description: freeText, ownerAgency: fact, dueOn: fact },
  MaracActionCompleted: { actionId: fact, completedOn: fact, completedBy: fact },
  MaracActionReminderRaised: {
    actionId: fact,
    caseId: fact,
    key: fact,
    label: fact,
    dueAt: fact,
    reminderAt: fact,
    late: fact,
  },
  MaracMeetingClosed: { closedOn: fact },
};

/** A personal field of an event: where it is in the event's data, and how it is classified. */
export interface PersonalField {
  readonly path: readonly string[];
  readonly class: Extract<FieldClass, { kind: 'personal' }>;
}

const personalFieldsByType = new Map<string, readonly PersonalField[]>(
  Object.entries(EVENT_CLASSIFICATION).map(([type, shape]) => [type, personalFieldsOf(shape as object, [])]),
);

function personalFieldsOf(shape: object, path: readonly string[]): PersonalField[] {
  return Object.entries(shape).flatMap(([field, entry]: [string, FieldClass | object]) => {
    if ('kind' in entry && typeof entry.kind === 'string') {
      const at = [...path, field];
      return entry.kind === 'personal' ? [{ path: at, class: entry }] : [];
    }
    return personalFieldsOf(entry, [...path, field]);
  });
}

/** The personal fields an event type may carry (none for a type nobody classified: it is not ours). */
export function personalFieldsOfType(type: string): readonly PersonalField[] {
  return personalFieldsByType.get(type) ?? [];
}

/** True when this event type is classified (every event this service writes is). */
export function isClassifiedEventType(type: string): boolean {
  return personalFieldsByType.has(type);
}

/**
 * The subject a personal field belongs to: the victim of the case the event is about (the case's
 * own stream, or the `caseId` a meeting event names).
 */
export function subjectOf(role: SubjectRole, stream: string, data: unknown): string | undefined {
  switch (role) {
    case 'victim': {
      const named = (data as { caseId?: unknown } | null)?.caseId;
      const caseId = typeof named === 'string' ? named : caseIdOfStream(stream);
      return caseId === undefined ? undefined : `victim-${caseId}`;
    }
  }
}
