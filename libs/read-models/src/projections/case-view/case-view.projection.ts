import {
  agenciesOf,
  caseIdOfStream,
  evolveCase,
  initialCaseState,
  owningAgencyOf,
  stageOf,
  type CaseEvent,
  type CaseState,
  type FollowUpSituation,
  type LocalDate,
} from '@app/case-domain';
import type { ProjectedEvent, Projection, ReadModelOutputs } from '../../engine/projection';
import { queueKey } from '../queues/queues';

/** A deadline as the read models need it (the domain's `deadlinesFor` gives more). */
export interface ViewDeadline {
  readonly kind: string;
  readonly key: string;
  readonly dueAt: string;
}

/** Everything the case view, list and queues show about one case: the fold of its events. */
export interface CaseViewState {
  readonly caseId: string;
  /** Where it was identified in `$all`: the stable order of the case list. */
  readonly seq: number;
  readonly domain: CaseState;
  readonly facts: {
    readonly identifiedAt?: string;
    readonly area?: string;
    readonly encounterContext?: string;
    readonly exploitationTypes?: readonly string[];
    readonly indicators?: readonly string[];
    readonly nationality?: string;
    readonly previousCaseId?: string;
    readonly consent?: { readonly language: string; readonly interpreterUsed: boolean };
    readonly dutyToNotify?: { readonly submittedOn: LocalDate; readonly agency: string };
    readonly referral?: {
      readonly submittedOn: LocalDate;
      readonly firstResponder: string;
      readonly competentAuthority: string;
    };
    readonly decisions: readonly {
      readonly kind: string;
      readonly outcome: string;
      readonly decidedOn: LocalDate;
      readonly reconsideration: boolean;
    }[];
    readonly placement?: {
      readonly placementId: string;
      readonly provider: string;
      readonly startedOn: LocalDate;
      /** Its latest review, kept across a move (the same placement): when, and what it concluded. */
      readonly lastReview: { readonly reviewedOn: LocalDate; readonly outcome: string } | undefined;
    };
    readonly lastPlacementEnd?: { readonly endedOn: LocalDate; readonly reason: string };
    readonly followUps: readonly {
      readonly followUp: number;
      readonly completedOn: LocalDate;
      readonly outcome: string;
      /** Absent from follow-ups recorded before the situation was asked. */
      readonly situation?: FollowUpSituation;
    }[];
    readonly riskAssessedOn?: LocalDate;
    readonly referredToMaracOn?: LocalDate;
    /** The latest reminders raised: `raisedAt` is the reminder's own time (when it was due to fire). */
    readonly reminders: readonly {
      readonly key: string;
      readonly kind: string;
      readonly label: string;
      readonly dueAt: string;
      readonly raisedAt: string;
    }[];
    readonly lastEventAt?: string;
  };
  /**
   * The personal fields the view shows, as the events hold them (sealed under the person's key),
   * each with the event it came from: opened only on an authorised read, never in lists.
   */
  readonly personal: {
    /** Name, aliases, date of birth, contact. */
    readonly details?: SealedPart;
    readonly placementAddress?: SealedPart;
    readonly dutyToNotifyReference?: SealedPart;
    readonly referralReference?: SealedPart;
  };
  /** What happened, newest last (the MARAC agenda's "changed since the last meeting"). */
  readonly changes: readonly { readonly type: string; readonly at: string; readonly on?: LocalDate }[];
  readonly revision: number;
}

/**
 * Part of an event's data holding sealed fields, with the event's id and type: what
 * `openEventData` needs to open them (the id and the field's path are bound into each ciphertext).
 */
export interface SealedPart {
  readonly eventId: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const MAX_CHANGES = 50;
const MAX_REMINDERS = 20;

export const caseViewKeys = {
  deadlines: (caseId: string) => `case-deadlines:${caseId}`,
  all: 'cases:all',
  stage: (stage: string) => `cases:stage:${stage}`,
  agency: (agency: string) => `cases:agency:${agency}`,
  assignee: (caseworker: string) => `cases:assignee:${caseworker}`,
  risk: (level: string) => `cases:risk:${level}`,
  child: (child: boolean) => `cases:child:${child ? 'yes' : 'no'}`,
  marac: 'cases:referred-to-marac',
  /**
   * The later cases that name a case as their `previousCaseId` (re-referrals), scored in the order
   * they were identified: written from the later case's own stream, read with the earlier case's view.
   */
  laterCases: (previousCaseId: string) => `case-later-cases:${previousCaseId}`,
  /** Cases due for an erasure review (retention), scored by the day they fall due. */
  erasureReview: 'cases:erasure-review',
};

export const CASE_VIEW_PROJECTION = 'case-view';

/**
 * The case view, the case list's indexes and the caseworker queues: one entity per case stream.
 * `deadlinesOf` is the domain's deadline policy, fixed for the life of the read models (change
 * the policy, rebuild them).
 */
export function caseViewProjection(
  deadlinesOf: (state: CaseState) => readonly ViewDeadline[],
  erasureReviewDueOf: (state: CaseState) => LocalDate | undefined = () => undefined,
): Projection<CaseViewState> {
  return {
    name: CASE_VIEW_PROJECTION,
    entityOf: (event) => caseIdOfStream(event.stream),
    initialState: {
      caseId: '',
      seq: 0,
      domain: initialCaseState,
      // Every field present, unset ones undefined: one shape for every case (see `initialCaseState`).
      facts: {
        identifiedAt: undefined,
        area: undefined,
        encounterContext: undefined,
        exploitationTypes: undefined,
        indicators: undefined,
        nationality: undefined,
        previousCaseId: undefined,
        consent: undefined,
        dutyToNotify: undefined,
        referral: undefined,
        decisions: [],
        placement: undefined,
        lastPlacementEnd: undefined,
        followUps: [],
        riskAssessedOn: undefined,
        referredToMaracOn: undefined,
        reminders: [],
        lastEventAt: undefined,
      },
      personal: {
        details: undefined,
        placementAddress: undefined,
        dutyToNotifyReference: undefined,
        referralReference: undefined,
      },
      changes: [],
      revision: -1,
    },
    evolve: evolveCaseView,
    outputs: (caseId, state) =>
      caseViewOutputs(caseId, state, deadlinesOf(state.domain), erasureReviewDueOf(state.domain)),
  };
}

function evolveCaseView(view: CaseViewState, recorded: ProjectedEvent): CaseViewState {
  const event = recorded as unknown as CaseEvent;
  const domain = evolveCase(view.domain, event);
  let { facts, personal } = view;
  let seq = view.seq;
  let caseId = view.caseId;
  let on: LocalDate | undefined;
  switch (event.type) {
    case 'PotentialVictimIdentified': {
      const d = event.data;
      caseId = d.caseId;
      seq = Number(recorded.position.commit);
      on = d.identifiedOn;
      facts = {
        ...facts,
        identifiedAt: recorded.recordedAt,
        area: d.area,
        encounterContext: d.encounterContext,
        exploitationTypes: d.exploitationTypes,
        indicators: d.indicators,
        nationality: d.nationality,
        previousCaseId: d.previousCaseId,
      };
      personal = { ...personal, details: partOf(recorded, { personal: d.personal }) };
      break;
    }
    case 'ConsentGiven':
    case 'ConsentDeclined':
      facts = { ...facts, consent: { language: event.data.language, interpreterUsed: event.data.interpreterUsed } };
      on = event.type === 'ConsentGiven' ? event.data.givenOn : event.data.declinedOn;
      break;
    case 'DutyToNotifySubmitted': {
      const { reference, ...dutyToNotify } = event.data;
      facts = { ...facts, dutyToNotify };
      personal = { ...personal, dutyToNotifyReference: partOf(recorded, { reference }) };
      on = event.data.submittedOn;
      break;
    }
    case 'NrmReferralSubmitted': {
      const { reference, ...referral } = event.data;
      facts = { ...facts, referral };
      personal = { ...personal, referralReference: partOf(recorded, { reference }) };
      on = event.data.submittedOn;
      break;
    }
    case 'ReasonableGroundsDecisionMade':
    case 'ConclusiveGroundsDecisionMade':
      on = event.data.decidedOn;
      facts = {
        ...facts,
        decisions: [
          ...facts.decisions,
          {
            kind: event.type === 'ReasonableGroundsDecisionMade' ? 'reasonable_grounds' : 'conclusive_grounds',
            outcome: event.data.outcome,
            decidedOn: event.data.decidedOn,
            reconsideration: false,
          },
        ],
      };
      break;
    case 'ReconsiderationDecided':
      on = event.data.decidedOn;
      facts = {
        ...facts,
        decisions: [
          ...facts.decisions,
          {
            kind: event.data.decision,
            outcome: event.data.outcome,
            decidedOn: event.data.decidedOn,
            reconsideration: true,
          },
        ],
      };
      break;
    case 'SafeHousePlacementStarted':
    case 'SafeHousePlacementMoved': {
      const startedOn = event.type === 'SafeHousePlacementStarted' ? event.data.startedOn : event.data.movedOn;
      on = startedOn;
      const lastReview = event.type === 'SafeHousePlacementMoved' ? facts.placement?.lastReview : undefined;
      facts = {
        ...facts,
        placement: { placementId: event.data.placementId, provider: event.data.provider, startedOn, lastReview },
      };
      personal = { ...personal, placementAddress: partOf(recorded, { personal: event.data.personal }) };
      break;
    }
    case 'PlacementReviewed': {
      on = event.data.reviewedOn;
      const lastReview = { reviewedOn: on, outcome: event.data.outcome };
      facts = { ...facts, placement: facts.placement && { ...facts.placement, lastReview } };
      break;
    }
    case 'SafeHousePlacementEnded':
      on = event.data.endedOn;
      facts = { ...facts, placement: undefined, lastPlacementEnd: { endedOn: on, reason: event.data.reason } };
      personal = { ...personal, placementAddress: undefined };
      break;
    case 'FollowUpCompleted':
      on = event.data.completedOn;
      facts = { ...facts, followUps: [...facts.followUps, { ...event.data }] };
      break;
    case 'RiskAssessed':
      on = event.data.assessedOn;
      facts = { ...facts, riskAssessedOn: on };
      break;
    case 'ReferredToMarac':
      on = event.data.referredOn;
      facts = { ...facts, referredToMaracOn: on };
      break;
    case 'ReminderRaised':
      facts = {
        ...facts,
        reminders: [
          ...facts.reminders,
          {
            key: event.data.key,
            kind: event.data.kind,
            label: event.data.label,
            dueAt: event.data.dueAt,
            raisedAt: event.data.reminderAt,
          },
        ].slice(-MAX_REMINDERS),
      };
      break;
    default:
      on = dateOf(event.data);
  }
  // Every event makes a new state; the fewer copies it takes, the faster a rebuild. When a case
  // above made `facts` afresh, `lastEventAt` is set on that copy: the same keys in the same order as
  // copying it again. The change log is copied once, dropping its oldest entry when full.
  const lastEventAt = recorded.recordedAt;
  if (facts === view.facts) facts = { ...facts, lastEventAt };
  else (facts as { lastEventAt?: string }).lastEventAt = lastEventAt;
  // What people did to the case (the agenda's "changed since"): a raised reminder is the system's
  // notice, not a change.
  let changes = view.changes;
  if (event.type !== 'ReminderRaised') {
    const kept = view.changes.length - (MAX_CHANGES - 1);
    const copy = kept > 0 ? view.changes.slice(kept) : view.changes.slice();
    copy.push(on ? { type: event.type, at: lastEventAt, on } : { type: event.type, at: lastEventAt });
    changes = copy;
  }
  return { caseId, seq, domain, facts, personal, changes, revision: Number(recorded.revision) };
}

function partOf(recorded: ProjectedEvent, data: Record<string, unknown>): SealedPart {
  return { eventId: recorded.id, type: recorded.type, data };
}

/** The first `...On` date of an event's data, for the change log. */
function dateOf(data: unknown): LocalDate | undefined {
  const record = data as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!field.endsWith('On')) continue;
    const value = record[field];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

const ms = (instant: string) => Date.parse(instant);
const dayMs = (date: LocalDate) => Date.parse(`${date}T00:00:00Z`);

function caseViewOutputs(
  caseId: string,
  view: CaseViewState,
  deadlines: readonly ViewDeadline[],
  erasureReviewDueOn: LocalDate | undefined,
): ReadModelOutputs {
  const { domain } = view;
  if (!domain.exists) return {};
  const members: [string, string, number][] = [];
  const stage = stageOf(domain);
  const keys = caseViewKeys;
  const index = (key: string) => members.push([key, caseId, view.seq]);
  index(keys.all);
  index(keys.stage(stage));
  for (const agency of new Set(agenciesOf(domain))) index(keys.agency(agency));
  if (domain.assignee) index(keys.assignee(domain.assignee.caseworkerId));
  if (domain.riskLevel) index(keys.risk(domain.riskLevel));
  index(keys.child(domain.child));
  if (domain.maracReferrals > 0) index(keys.marac);
  if (view.facts.previousCaseId) members.push([keys.laterCases(view.facts.previousCaseId), caseId, view.seq]);
  if (erasureReviewDueOn) members.push([keys.erasureReview, caseId, dayMs(erasureReviewDueOn)]);

  // Queues: the responsible agency is the one the case is assigned to, else the one that owns it.
  const agency = domain.assignee?.agency ?? owningAgencyOf(domain)!;
  const enqueue = (source: string, score: number) => {
    members.push([queueKey(source, 'agency', agency), caseId, score]);
    if (domain.assignee) members.push([queueKey(source, 'assignee', domain.assignee.caseworkerId), caseId, score]);
  };
  if (!domain.closed) {
    for (const deadline of deadlines) enqueue(deadline.kind, ms(deadline.dueAt));
    const entitled = domain.reasonableGrounds?.outcome === 'positive' && !domain.exit;
    if (!domain.activePlacement && (domain.placementRequested || (entitled && !domain.outreachSince))) {
      enqueue('needs_placement', dayMs(domain.placementRequested?.requestedOn ?? domain.reasonableGrounds!.decidedOn));
    }
    // Children first: a missing child is urgent.
    if (domain.missingSince) enqueue('reported_missing', dayMs(domain.missingSince) - (domain.child ? 1 : 0));
    if (!domain.assignee) {
      enqueue('unassigned', dayMs(domain.identifiedOn!));
      members.push([queueKey('spoc', 'agency', agency), caseId, dayMs(domain.identifiedOn!)]);
    }
    // Between agencies: what awaits another agency's answer goes to its queues and its single
    // point of contact's; an accepted share lists the case with the agency it is shared with.
    const toAgency = (source: string, other: string, on: LocalDate) => {
      members.push([queueKey(source, 'agency', other), caseId, dayMs(on)]);
      if (source !== 'shared_with_agency') members.push([queueKey('spoc', 'agency', other), caseId, dayMs(on)]);
    };
    for (const share of domain.shares ?? []) {
      if (share.status === 'awaiting_response') toAgency('share_awaiting_response', share.agency, share.sharedOn);
      if (share.status === 'accepted') toAgency('shared_with_agency', share.agency, share.sharedOn);
    }
    const transfer = domain.pendingTransfer;
    if (transfer) toAgency('transfer_awaiting_response', transfer.toAgency, transfer.requestedOn);
    // A raised reminder stays in the queue while its deadline stands as it was when raised.
    const open = new Set(deadlines.map((deadline) => `${deadline.key}@${ms(deadline.dueAt)}`));
    const raised = view.facts.reminders.filter((reminder) => open.has(`${reminder.key}@${ms(reminder.dueAt)}`)).at(-1);
    if (raised) enqueue('reminder_raised', ms(raised.dueAt));
  }
  return { members, documents: { [keys.deadlines(caseId)]: deadlines } };
}
