import {
  owningAgencyOf,
  stageOf,
  type Actor,
  type CaseReadAccess,
  type CaseShare,
  type CaseState,
} from '@app/case-domain';
import type { CaseViewState, MaracMeetingView, ViewDeadline } from '@app/read-models';
import type { OpenedCaseParts } from './personal-data-opener';

/** The open MARAC actions on a case, from the meetings it is listed at. */
export function openActionsOf(caseId: string, meetings: readonly MaracMeetingView[], now: number) {
  return meetings.flatMap((meeting) =>
    Object.values(meeting.actions)
      .filter((action) => action.caseId === caseId && !action.completedOn)
      .map((action) => ({
        meetingId: meeting.meetingId,
        actionId: action.actionId,
        description: action.description,
        ownerAgency: action.ownerAgency,
        dueOn: action.dueOn,
        overdue: Date.parse(action.dueAt) < now,
        lastReminder: action.lastReminder ?? null,
      })),
  );
}

/** A case's summary: what a list, a queue or an agenda shows (no personal data). */
export function caseSummary(view: CaseViewState) {
  const { domain } = view;
  return {
    caseId: view.caseId,
    stage: stageOf(domain),
    child: domain.child,
    riskLevel: domain.riskLevel ?? null,
    identifyingAgency: domain.identifyingAgency,
    owningAgency: owningAgencyOf(domain),
    assignee: domain.assignee ?? null,
    area: view.facts.area ?? null,
    identifiedOn: domain.identifiedOn,
    missing: domain.missingSince !== undefined,
    inSafeHouse: domain.activePlacement !== undefined,
  };
}

/**
 * `GET /cases/:id`: the case as a caseworker needs it, with personal parts only as the domain's one
 * `redact` allowed and `PersonalDataOpener` opened them (`opened`); `meetings` with their text opened.
 * A re-referral shows the earlier case it names (`previousCaseId`), and the earlier case the later
 * ones naming it (`laterCaseIds`, from their streams): ids only, each case behind its own access rules.
 */
export function caseView(
  view: CaseViewState,
  deadlines: readonly ViewDeadline[],
  meetings: readonly MaracMeetingView[],
  laterCaseIds: readonly string[],
  opened: OpenedCaseParts,
  now: number,
  sharing: CaseSharingShown = NO_SHARING,
) {
  const { domain, facts } = view;
  const address = opened.placementAddress;
  const personal = opened.details;
  const next = [...deadlines].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0];
  return {
    ...caseSummary(view),
    revision: String(view.revision),
    closed: domain.closed,
    keyDates: {
      identifiedOn: domain.identifiedOn ?? null,
      consentOn: domain.consentOn ?? null,
      dutyToNotifyOn: domain.dutyToNotifyOn ?? null,
      referredOn: domain.referredOn ?? null,
      reasonableGroundsOn: domain.reasonableGrounds?.decidedOn ?? null,
      conclusiveGroundsOn: domain.conclusiveGrounds?.decidedOn ?? null,
      placementStartedOn: domain.activePlacement?.startedOn ?? null,
      moveOnFrom: domain.moveOnSince ?? null,
      exitedOn: domain.exit?.exitedOn ?? null,
      closedOn: domain.closedOn ?? null,
    },
    consent: { status: domain.consent, ...(facts.consent ?? {}) },
    reasonableGrounds: domain.reasonableGrounds ?? null,
    conclusiveGrounds: domain.conclusiveGrounds ?? null,
    pendingReconsideration: domain.pendingReconsideration ?? null,
    decisions: facts.decisions,
    referral: facts.referral ? { ...facts.referral, reference: opened.referralReference } : null,
    dutyToNotify: facts.dutyToNotify ? { ...facts.dutyToNotify, reference: opened.dutyToNotifyReference } : null,
    placement: facts.placement
      ? {
          ...facts.placement,
          lastReview: facts.placement.lastReview ?? null,
          ...(address === undefined ? {} : { address }),
        }
      : null,
    exit: domain.exit ?? null,
    // A follow-up recorded before the situation was asked shows it as null (not recorded).
    followUps: facts.followUps.map((followUp) => ({ ...followUp, situation: followUp.situation ?? null })),
    exploitationTypes: facts.exploitationTypes ?? [],
    encounterContext: facts.encounterContext ?? null,
    nationality: facts.nationality ?? null,
    previousCaseId: facts.previousCaseId ?? null,
    laterCaseIds,
    flags: {
      child: domain.child,
      missing: domain.missingSince !== undefined,
      inSafeHouse: domain.activePlacement !== undefined,
      consent: domain.consent,
      atMarac: domain.maracReferrals > 0 || meetings.length > 0,
    },
    nextDeadline: next ? { kind: next.kind, dueAt: next.dueAt } : null,
    deadlines,
    remindersRaised: facts.reminders,
    openMaracActions: openActionsOf(view.caseId, meetings, now),
    maracMeetings: meetings.map((meeting) => ({ meetingId: meeting.meetingId, meetsOn: meeting.meetsOn })),
    personalDataShown: personal !== undefined,
    ...(personal === undefined ? {} : { personal }),
    personalDataErased: domain.personalDataErased ? { erasedOn: domain.personalDataErased.erasedOn } : null,
    erasedFields: opened.erasedFields,
    legalHold: domain.legalHold ?? null,
    shares: sharing.shares,
    pendingTransfer: sharing.pendingTransfer,
  };
}

/** The shares and the pending transfer a reader is shown (`sharingShownTo`). */
export interface CaseSharingShown {
  readonly shares: readonly CaseShare[];
  readonly pendingTransfer: CaseState['pendingTransfer'] | null;
}

const NO_SHARING: CaseSharingShown = { shares: [], pendingTransfer: null };

/**
 * Who the case is shared with: the owner (and an auditor: readers of the history) see every share
 * offered, each as it stands, and a transfer awaiting an answer; an agency reading through a share
 * sees its own share only; anyone else none.
 */
export function sharingShownTo(actor: Actor, domain: CaseState, access: CaseReadAccess): CaseSharingShown {
  if (access.history) return { shares: domain.shares ?? [], pendingTransfer: domain.pendingTransfer ?? null };
  return { shares: (domain.shares ?? []).filter((share) => share.agency === actor.agency.id), pendingTransfer: null };
}
