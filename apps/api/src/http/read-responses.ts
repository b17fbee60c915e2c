import type { OpenAPIObject } from '@nestjs/swagger';
import {
  AGENCY_TYPES,
  COMPETENT_AUTHORITIES,
  DECISION_OUTCOMES,
  ENCOUNTER_CONTEXTS,
  EXIT_REASONS,
  EXPLOITATION_TYPES,
  FOLLOW_UP_OUTCOMES,
  FOLLOW_UP_SITUATION_FIELDS,
  LEGAL_HOLD_REASONS,
  PLACEMENT_REVIEW_OUTCOMES,
  RISK_LEVELS,
  SHARE_PURPOSES,
  SHARE_SCOPES,
  SHARING_LEGAL_BASES,
  type CaseStage,
  type ShareStatus,
} from '@app/case-domain';
import { CHILD_STAGES, EXIT_OUTCOMES, QUEUES } from '@app/read-models';
import { STAGES } from '../queries/query.dtos';

/**
 * The 2xx responses of the read routes (every GET), as the query handlers build them: shared
 * shapes in `components.schemas`, each field `required` when the code always sets it, `nullable`
 * where it answers null, and objects closed (`additionalProperties: false`) unless their content
 * is open-ended (event data, opened personal details). The e2e tests validate every response
 * against this (test/support/response-validation.ts), so a handler that drifts fails a test.
 */

type Schema = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];
type SchemaObject = Exclude<Schema, { $ref: string }>;
type ReferenceObject = Extract<Schema, { $ref: string }>;
type Content = Record<string, { schema: Schema }>;

const ref = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });
const string = (description?: string): SchemaObject => ({ type: 'string', ...(description ? { description } : {}) });
const integer = (minimum = 0): SchemaObject => ({ type: 'integer', minimum });
const boolean: SchemaObject = { type: 'boolean' };
const date: SchemaObject = { type: 'string', format: 'date', description: 'A calendar date (Europe/London)' };
const instant: SchemaObject = { type: 'string', format: 'date-time' };
const uuid: SchemaObject = { type: 'string', format: 'uuid' };
const oneOf = (values: readonly string[]): SchemaObject => ({ type: 'string', enum: [...values] });
const array = (items: Schema): SchemaObject => ({ type: 'array', items });
/** Any JSON value (opened personal data, event data): documented, not constrained. */
const anyValue = (description: string): SchemaObject => ({ description });
/** When a deadline's starting fact was entered: in the event's data, absent from events older than it. */
const enteredAt: SchemaObject = {
  type: 'string',
  format: 'date-time',
  description: 'When this was entered (deadlines in hours count from it); absent from older events',
};
const revision: SchemaObject = { type: 'string', pattern: '^\\d+$', description: 'A stream revision (from 0)' };
const position: SchemaObject = {
  type: 'string',
  description: 'A position in the global event order (`?minPosition=` reads your own writes)',
};

/** A JSON Schema of OpenAPI 3.0 made nullable (`nullable` needs `type`, so a ref cannot be). */
function nullable(schema: SchemaObject): SchemaObject {
  return { ...schema, nullable: true, ...(schema.enum ? { enum: [...(schema.enum as unknown[]), null] } : {}) };
}

/** An object with every listed property required unless named in `optional`, and no other. */
function object(properties: Record<string, Schema>, optional: readonly string[] = []): SchemaObject {
  const required = Object.keys(properties).filter((name) => !optional.includes(name));
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

// Every stage an identified case can be at: a stage added to the domain fails to compile here until listed.
const everyStage: Exclude<CaseStage, (typeof STAGES)[number] | 'not_identified'> extends never ? true : false = true;
const SHARE_STATUSES = [
  'awaiting_response',
  'accepted',
  'declined',
  'revoked',
  'expired',
] as const satisfies readonly ShareStatus[];
const everyShareStatus: Exclude<ShareStatus, (typeof SHARE_STATUSES)[number]> extends never ? true : false = true;
const CONSENT = ['not_required', 'awaiting', 'given', 'declined'];
const DECISION_KINDS = ['reasonable_grounds', 'conclusive_grounds'];

const userRef = object({ userId: string(), role: string(), agency: string() });
const decision = object({ outcome: oneOf(DECISION_OUTCOMES), decidedOn: date });
const changeLogEntry = object(
  { type: string('The event type'), at: instant, on: { ...date, description: 'Its business date, when it has one' } },
  ['on'],
);
const suppressedCount: SchemaObject = {
  description: 'A count, or "<5" / "suppressed" where a small count could identify someone',
  oneOf: [integer(), oneOf(['<5', 'suppressed'])],
};
const signedTreeHeadFields = {
  treeSize: integer(),
  rootHash: string('base64'),
  timestamp: integer(),
  signedAt: instant,
  keyId: string('base64: SHA-256 of the raw Ed25519 public key'),
  signature: string('base64'),
};

/** What a list, a queue or an agenda shows of a case (`caseSummary`). */
const summary: Record<string, Schema> = {
  caseId: uuid,
  stage: oneOf(STAGES),
  child: boolean,
  riskLevel: nullable(oneOf(RISK_LEVELS)),
  identifyingAgency: string(),
  owningAgency: string(),
  assignee: nullable(object({ caseworkerId: string(), agency: string() })),
  area: nullable(string()),
  identifiedOn: date,
  missing: boolean,
  inSafeHouse: boolean,
};

/**
 * A case's summary with `extra` fields, or its id alone with them while the case's view is not
 * there (yet): what a queue, an agenda or the erasure review shows of each case.
 */
function summaryWith(extra: Record<string, Schema>, optional: readonly string[] = []): SchemaObject {
  return {
    description: 'The case’s summary, or its id alone while its view is not there yet',
    oneOf: [object({ ...summary, ...extra }, optional), object({ caseId: uuid, ...extra }, optional)],
  };
}

/** The case view's fields (`caseView`). */
function caseView(): Record<string, Schema> {
  return {
    ...summary,
    revision,
    closed: boolean,
    keyDates: object(
      Object.fromEntries(
        [
          'identifiedOn',
          'consentOn',
          'dutyToNotifyOn',
          'referredOn',
          'reasonableGroundsOn',
          'conclusiveGroundsOn',
          'placementStartedOn',
          'moveOnFrom',
          'exitedOn',
          'closedOn',
        ].map((name) => [name, nullable(date)]),
      ),
    ),
    consent: object({ status: oneOf(CONSENT), language: string(), interpreterUsed: boolean }, [
      'language',
      'interpreterUsed',
    ]),
    reasonableGrounds: nullable(decision),
    conclusiveGrounds: nullable(decision),
    pendingReconsideration: nullable(object({ decision: oneOf(DECISION_KINDS), requestedOn: date })),
    decisions: array(
      object({
        kind: oneOf(DECISION_KINDS),
        outcome: oneOf(DECISION_OUTCOMES),
        decidedOn: date,
        reconsideration: boolean,
      }),
    ),
    referral: nullable(
      object(
        {
          submittedOn: date,
          firstResponder: string(),
          competentAuthority: oneOf(COMPETENT_AUTHORITIES),
          reference: anyValue('The NRM reference, opened; null when erased'),
          enteredAt,
        },
        ['enteredAt'],
      ),
    ),
    dutyToNotify: nullable(
      object({
        submittedOn: date,
        agency: string(),
        reference: anyValue('The duty-to-notify reference, opened; null when erased'),
      }),
    ),
    placement: nullable(
      object(
        {
          placementId: uuid,
          provider: string(),
          startedOn: date,
          lastReview: nullable(object({ reviewedOn: date, outcome: oneOf(PLACEMENT_REVIEW_OUTCOMES) })),
          address: anyValue('The safe house address, for readers allowed it; null when erased'),
        },
        ['address'],
      ),
    ),
    exit: nullable(object({ exitedOn: date, reason: oneOf(EXIT_REASONS), enteredAt }, ['enteredAt'])),
    followUps: array(
      object({
        followUp: integer(1),
        completedOn: date,
        outcome: oneOf(FOLLOW_UP_OUTCOMES),
        situation: nullable(
          object(
            Object.fromEntries(
              Object.entries(FOLLOW_UP_SITUATION_FIELDS).map(([field, values]) => [field, oneOf(values)]),
            ),
          ),
        ),
      }),
    ),
    exploitationTypes: array(oneOf(EXPLOITATION_TYPES)),
    encounterContext: nullable(oneOf(ENCOUNTER_CONTEXTS)),
    nationality: nullable(string()),
    previousCaseId: nullable(uuid),
    laterCaseIds: array(uuid),
    flags: object({
      child: boolean,
      missing: boolean,
      inSafeHouse: boolean,
      consent: oneOf(CONSENT),
      atMarac: boolean,
    }),
    nextDeadline: nullable(object({ kind: string(), dueAt: instant })),
    deadlines: array(ref('ViewDeadline')),
    remindersRaised: array(
      object({ key: string(), kind: string(), label: string(), dueAt: instant, raisedAt: instant }),
    ),
    openMaracActions: array(ref('OpenMaracAction')),
    maracMeetings: array(object({ meetingId: uuid, meetsOn: date })),
    personalDataShown: boolean,
    personal: {
      type: 'object',
      nullable: true,
      description: 'The person’s details, opened (with ?include=personal, when allowed); null when erased',
      additionalProperties: true,
    },
    personalDataErased: nullable(object({ erasedOn: date })),
    erasedFields: array(string()),
    legalHold: nullable(object({ setOn: date, reason: oneOf(LEGAL_HOLD_REASONS) })),
    shares: array(ref('CaseShare')),
    pendingTransfer: nullable(object({ transferId: uuid, toAgency: string(), requestedOn: date })),
  };
}

/** An agency's single point of contact (a work user id or a team inbox id), or null. */
function spoc(description: string): SchemaObject {
  // Untyped variants, so null (allowed by the nullable object) passes `anyOf` too.
  const variant = (field: string): SchemaObject => ({
    properties: { [field]: string() },
    required: [field],
    additionalProperties: false,
  });
  return { type: 'object', nullable: true, description, anyOf: [variant('userId'), variant('teamInbox')] };
}

const SCHEMAS: Record<string, SchemaObject> = {
  CaseSummary: object(summary),
  CaseShare: object(
    {
      shareId: uuid,
      agency: string(),
      purpose: oneOf(SHARE_PURPOSES),
      legalBasis: oneOf(SHARING_LEGAL_BASES),
      scope: oneOf(SHARE_SCOPES),
      sharedOn: date,
      expiresOn: { ...date, description: 'The last day it gives access; absent: until revoked' },
      status: oneOf(SHARE_STATUSES),
    },
    ['expiresOn'],
  ),
  OpenMaracAction: object({
    meetingId: uuid,
    actionId: uuid,
    description: nullable(string('Opened for the reader; null once the person’s data was erased')),
    ownerAgency: string(),
    dueOn: date,
    overdue: boolean,
    lastReminder: nullable(object({ label: string(), reminderAt: instant, raisedAt: instant })),
  }),
  ViewDeadline: {
    description: 'A deadline that applies to the case now (the domain’s deadline policy), with its reminders',
    ...object(
      {
        kind: string(),
        key: string('Unique within the case and stable (follow-up-2)'),
        dueAt: instant,
        dueOn: date,
        reminders: array(object({ at: instant, label: string('before due, due or overdue') })),
        repeatEvery: object({
          amount: { type: 'number', minimum: 0 },
          unit: oneOf(['calendar_days', 'working_days', 'hours', 'seconds']),
        }),
        enteredAt: { ...instant, description: 'When the fact that started it was entered' },
      },
      ['repeatEvery', 'enteredAt'],
    ),
  },
  CaseView: {
    description:
      'The case as a caseworker needs it (GET /cases/{caseId}); `personal` only with ?include=personal, ' +
      '`placement.address` only for readers allowed it.',
    ...object(caseView(), ['personal']),
  },
  CaseViewAsOf: {
    description: 'The case view as it stood at ?asOf= or ?revision=, with where that was',
    ...object(
      {
        ...caseView(),
        asOf: object({
          requested: nullable({ ...instant, description: 'The ?asOf= asked for; null for ?revision=' }),
          revision,
          position,
          recordedAt: instant,
          headRevision: revision,
        }),
      },
      ['personal'],
    ),
  },
  CaseList: object({
    total: integer(),
    cases: array(ref('CaseSummary')),
    next: nullable(string('The ?after= of the next page; null on the last')),
  }),
  HistoryEvent: object(
    {
      revision,
      position,
      type: string(),
      data: anyValue('The event’s data as this reader may see it (personal fields opened or left out)'),
      erasedFields: array(string()),
      actor: userRef,
      recordedAt: instant,
      correlationId: string(),
      causationId: string(),
      schemaVersion: integer(1),
    },
    // Absent from an event written without that metadata.
    ['erasedFields', 'actor', 'correlationId', 'causationId', 'schemaVersion'],
  ),
  CaseHistory: object({
    caseId: uuid,
    personalDataShown: boolean,
    events: array(ref('HistoryEvent')),
    next: nullable(revision),
  }),
  ReplayStep: object({
    revision,
    position,
    type: string(),
    recordedAt: instant,
    businessDate: nullable(date),
    actor: nullable(userRef),
    correlationId: nullable(string()),
    causationId: nullable(string()),
    changes: array(
      object({
        path: string('The case-view field, dotted (keyDates.referredOn)'),
        before: anyValue('Its value before'),
        after: anyValue('Its value after'),
      }),
    ),
  }),
  CaseReplay: object({
    caseId: uuid,
    personalDataShown: boolean,
    events: array(ref('ReplayStep')),
    next: nullable(revision),
  }),
  CaseAccessLog: object({
    caseId: uuid,
    reads: array(
      object({
        stream: { type: 'string', description: 'The read-log stream of the event that records the read' },
        revision,
        readAt: instant,
        reader: userRef,
        route: string(),
        reason: nullable(string()),
      }),
    ),
    next: nullable({ type: 'string', pattern: '^\\d+$', description: 'Pass as `after` for the next page' }),
  }),
  PersonalDataReads: object({
    caseId: uuid,
    reads: array(object({ caseId: uuid, reader: userRef, reason: string(), what: string(), recordedAt: instant })),
  }),
  QueueScope: {
    description: 'Whose queue: an agency’s, or the cases assigned to one caseworker (?scope=mine)',
    oneOf: [object({ agency: string() }), object({ assignee: string() })],
  },
  QueueCounts: object({
    scope: ref('QueueScope'),
    queues: array(object({ name: oneOf(Object.keys(QUEUES)), description: string(), count: integer() })),
  }),
  QueueItem: object(
    {
      due: instant,
      overdue: boolean,
      priority: integer(),
      action: nullable(
        object(
          {
            meetingId: uuid,
            actionId: uuid,
            caseId: uuid,
            description: nullable(string()),
            eventId: uuid,
            ownerAgency: string(),
            dueOn: date,
            dueAt: instant,
            agreedAt: instant,
            completedOn: date,
            completedBy: string(),
            lastReminder: object({ label: string(), reminderAt: instant, raisedAt: instant }),
          },
          ['completedOn', 'completedBy', 'lastReminder'],
        ),
      ),
      fromAgency: nullable(string()),
      shares: array(ref('CaseShare')),
      transfer: nullable(object({ transferId: uuid, toAgency: string(), requestedOn: date })),
      case: {
        description: 'The case’s summary (its id alone while its view is not there yet)',
        oneOf: [ref('CaseSummary'), object({ caseId: uuid })],
      },
    },
    // `action` on the MARAC action queues; the rest on the queues between agencies.
    ['action', 'fromAgency', 'shares', 'transfer'],
  ),
  QueuePage: object(
    {
      name: oneOf(Object.keys(QUEUES)),
      description: string(),
      scope: ref('QueueScope'),
      spoc: spoc('The agency’s single point of contact (the spoc queue of an agency)'),
      items: array(ref('QueueItem')),
    },
    ['spoc'],
  ),
  AgendaCase: summaryWith({
    discussedHere: nullable(object({ riskLevel: oneOf(RISK_LEVELS), decisions: nullable(array(string())) })),
    openActions: array(ref('OpenMaracAction')),
    overdueActions: array(ref('OpenMaracAction')),
    changedSinceLastMeeting: array(changeLogEntry),
    recordedLate: array(changeLogEntry),
  }),
  MaracAgenda: object(
    {
      meetingId: uuid,
      area: string(),
      meetsOn: date,
      attendingAgencies: array(string()),
      closedOn: nullable(date),
      previousMeeting: nullable(object({ meetingId: uuid, meetsOn: date })),
      cases: array(ref('AgendaCase')),
      asOf: { ...instant, description: 'With ?asOf=: the instant the agenda is shown as of' },
    },
    ['asOf'],
  ),
  ProblemProfileCounts: {
    type: 'object',
    description: 'Counts by field, nested on the field name’s ":" parts, small counts suppressed',
    additionalProperties: { oneOf: [suppressedCount, ref('ProblemProfileCounts')] },
  },
  ProblemProfile: object({
    area: string('The area, or "all"'),
    from: string('YYYY-MM'),
    to: string('YYYY-MM'),
    suppression: string(),
    totals: ref('ProblemProfileCounts'),
    medians: object(
      Object.fromEntries(
        ['referralToReasonableGrounds', 'reasonableGroundsToConclusiveGrounds'].map((name) => [
          name,
          object({ cases: suppressedCount, medianDays: nullable({ type: 'number', minimum: 0 }) }),
        ]),
      ),
    ),
    months: array(object({ month: string('YYYY-MM'), counts: ref('ProblemProfileCounts') })),
  }),
  ChildrenRegister: object({
    area: string(),
    asOf: instant,
    suppression: string(),
    children: suppressedCount,
    byStage: object(Object.fromEntries(CHILD_STAGES.map((stage) => [stage, suppressedCount]))),
    exitedByOutcome: object(Object.fromEntries(EXIT_OUTCOMES.map((outcome) => [outcome, suppressedCount]))),
    missing: suppressedCount,
  }),
  ErasureReviews: object({
    today: date,
    total: integer(),
    cases: array(summaryWith({ reviewDueOn: date, closedOn: nullable(date), exitedOn: nullable(date) })),
    next: nullable(string('The ?after= of the next page; null on the last')),
  }),
  Agencies: object({
    agencies: array(
      object({
        id: string(),
        type: oneOf(AGENCY_TYPES),
        firstResponder: boolean,
        dutyToNotify: boolean,
        spoc: spoc('The agency’s single point of contact, where it has named one'),
      }),
    ),
  }),
  SignedTreeHead: object({
    ...signedTreeHeadFields,
    publicKey: nullable(string('The head’s Ed25519 public key (PEM); null when the store has none for it')),
  }),
  TreeHeadAnswer: object({ treeHead: ref('SignedTreeHead') }),
  ConsistencyProof: object({
    first: ref('SignedTreeHead'),
    second: ref('SignedTreeHead'),
    proof: array(string('base64')),
  }),
  CaseInclusionProofs: object({
    caseId: uuid,
    treeHead: ref('SignedTreeHead'),
    proofs: array(
      object({
        eventId: uuid,
        revision,
        leafIndex: integer(),
        leafHash: string('base64'),
        inclusionPath: array(string()),
      }),
    ),
    notCovered: array(revision),
  }),
  DisclosureBundle: object({
    format: oneOf(['marac-disclosure-bundle/1']),
    caseId: uuid,
    exportedAt: instant,
    exportedBy: userRef,
    reason: nullable(string()),
    treeHead: object(signedTreeHeadFields),
    publicKey: string('PEM'),
    events: array(
      object({
        stream: string(),
        revision: integer(),
        type: string(),
        dataJson: string('The event’s data as stored (personal fields sealed), canonical JSON'),
        metadataJson: string(),
        chainHash: nullable(string()),
        leafIndex: integer(),
        inclusionProof: array(string('base64')),
      }),
    ),
    notYetCovered: integer(),
    timeline: array(ref('ReplayStep')),
    html: string('The timeline as an HTML page'),
  }),
  Ping: object({ ok: { type: 'boolean', enum: [true] } }),
};

const json = (schema: Schema) => ({ 'application/json': { schema } });
const text = (mediaType: string, description: string) => ({ [mediaType]: { schema: { type: 'string', description } } });

/** The answer (200) of each read operation (a GET), by path: its description and content. */
const READS: Record<string, readonly [description: string, content: Content]> = {
  '/health/ping': ['Alive', json(ref('Ping'))],
  '/agencies': ['The configured agencies', json(ref('Agencies'))],
  '/cases': ['A page of cases', json(ref('CaseList'))],
  '/cases/{caseId}': [
    'The case view (with ?asOf= or ?revision=, as it stood then, with `asOf`)',
    json({ oneOf: [ref('CaseView'), ref('CaseViewAsOf')] }),
  ],
  '/cases/{caseId}/history': ['A page of the case’s events', json(ref('CaseHistory'))],
  '/cases/{caseId}/replay': ['A page of the case’s replay', json(ref('CaseReplay'))],
  '/cases/{caseId}/access-log': ['A page of the case’s read log', json(ref('CaseAccessLog'))],
  '/cases/{caseId}/personal-data-reads': ['Every read of the person’s details', json(ref('PersonalDataReads'))],
  '/cases/{caseId}/proof': ['Inclusion proofs', json(ref('CaseInclusionProofs'))],
  '/cases/{caseId}/export': [
    'The disclosure bundle, as an attachment (Content-Disposition: case-{caseId}-disclosure.json)',
    json(ref('DisclosureBundle')),
  ],
  '/queues': ['The queues and their counts', json(ref('QueueCounts'))],
  '/queues/{name}': ['A queue’s items', json(ref('QueuePage'))],
  '/marac/meetings/{meetingId}/agenda': ['The agenda (with ?asOf=, as it stood then)', json(ref('MaracAgenda'))],
  '/marac/meetings/{meetingId}/agenda.csv': [
    'The agenda as CSV (RFC 4180), as an attachment',
    text('text/csv', 'A header row, then a row per case listed'),
  ],
  '/marac/meetings/{meetingId}/agenda.pdf': [
    'The agenda as a PDF, as an attachment',
    { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
  ],
  '/reports/problem-profile': ['The problem profile', json(ref('ProblemProfile'))],
  '/reports/children': ['The children’s register', json(ref('ChildrenRegister'))],
  '/erasure-reviews': ['Cases due for an erasure review', json(ref('ErasureReviews'))],
  '/audit/tree-head': ['The latest signed tree head', json(ref('TreeHeadAnswer'))],
  '/audit/consistency': ['The consistency proof', json(ref('ConsistencyProof'))],
  '/metrics': ['Prometheus metrics', text('text/plain', 'The Prometheus text exposition format, version 0.0.4')],
};

/**
 * Sets the 2xx response (status, description, content and schema) of every read operation the
 * document has, and adds the shapes they share to `components.schemas`. `GET /health` keeps the
 * schema Terminus documents. Throws when a read operation listed here is missing from the
 * document, so a renamed route cannot leave a stale answer behind.
 */
export function applyReadResponses(document: OpenAPIObject): void {
  void everyStage;
  void everyShareStatus;
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...SCHEMAS },
  };
  for (const [path, [description, content]] of Object.entries(READS)) {
    const operation = document.paths[path]?.get;
    if (!operation) throw new Error(`The OpenAPI document has no GET ${path}`);
    // Whatever else the 200 says (its headers) is kept; its description and content are these.
    const given = operation.responses['200'];
    const kept = given !== undefined && !('$ref' in given) ? given : {};
    operation.responses = { ...operation.responses, '200': { ...kept, description, content } };
  }
}
