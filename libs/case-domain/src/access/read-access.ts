import type { Actor } from '../shared/actor';
import type { CaseState } from '../case/case-state';
import type { ShareScope } from '../case/typology';
import { shareIsCurrent } from '../case/pathway/sharing';
import { londonDateOf } from '../shared/local-date';
import { agenciesOf, NotPermitted } from './case-access';

/** What decides who may read a case: whose case it is, its MARAC referral, and the meetings it is listed at. */
export interface CaseReadContext {
  /** The identifying and the assigned agency. */
  readonly caseAgencies: readonly string[];
  /** Agencies attending any MARAC meeting the case is listed at. */
  readonly maracAttendingAgencies: readonly string[];
  /** Referred to the MARAC (a `ReferredToMarac` event): without it no MARAC route opens the case. */
  readonly referredToMarac: boolean;
  /** The agencies holding a current share (accepted, not revoked, not past its last day), with its scope. */
  readonly sharedWith: readonly { readonly agency: string; readonly scope: ShareScope }[];
  /** Who runs the active safe-house placement, if any. */
  readonly placementProvider?: string;
}

/** The read context of a case at `now`: its state, and the MARAC meetings it is listed at. */
export function caseReadContext(
  state: CaseState,
  meetings: readonly { readonly attendingAgencies: readonly string[] }[],
  now: Date,
): CaseReadContext {
  const today = londonDateOf(now);
  return {
    caseAgencies: agenciesOf(state),
    maracAttendingAgencies: meetings.flatMap((meeting) => meeting.attendingAgencies),
    referredToMarac: state.maracReferrals > 0,
    sharedWith: (state.shares ?? [])
      .filter((share) => shareIsCurrent(share, today))
      .map(({ agency, scope }) => ({ agency, scope })),
    placementProvider: state.activePlacement?.provider,
  };
}

/** How much of a case an actor may see. */
export interface CaseReadAccess {
  /** The person's details (name, aliases, date of birth, contact) and note text; an auditor only with a reason. */
  readonly personalDetails: boolean;
  /** The safe-house address: never outside the owning agency. */
  readonly placementAddress: boolean;
  /** The full event history (`GET /cases/:id/history`): auditors and the case's own agency. */
  readonly history: boolean;
}

const OWN_AGENCY: CaseReadAccess = { personalDetails: true, placementAddress: true, history: true };
const PATHWAY_ONLY: CaseReadAccess = { personalDetails: false, placementAddress: false, history: false };

/**
 * What a current share gives its agency: the pathway summary; with personal details if its scope
 * says so; the safe-house address only under the placement scope and only to the agency running
 * the placement. Never the history (that stays with the owner and auditors).
 */
function sharedAccess(context: CaseReadContext, agency: string): CaseReadAccess | undefined {
  const share = context.sharedWith.find((candidate) => candidate.agency === agency);
  if (!share) return undefined;
  return {
    personalDetails: share.scope !== 'summary',
    placementAddress: share.scope === 'summary_personal_and_placement' && context.placementProvider === agency,
    history: false,
  };
}

/**
 * The domain page's "may read" column for a case: a caseworker reads their own agency's cases,
 * those shared with their agency (within the share's scope: `sharedAccess`) and those listed at a
 * MARAC their agency attends; the MARAC coordinator every case referred to the
 * MARAC; a panel member the cases listed at meetings their agency attends; an auditor everything;
 * an admin no case. A listing opens a case to the attending agencies only if the case was referred
 * to the MARAC (a listing without one, written before that rule, opens nothing). Personal details
 * stay with the case's own agency (and auditors who say why); the safe-house address with the
 * owning agency alone.
 */
export function caseReadAccess(actor: Actor, context: CaseReadContext, auditReason?: string): CaseReadAccess {
  const own = context.caseAgencies.includes(actor.agency.id);
  const attends = context.referredToMarac && context.maracAttendingAgencies.includes(actor.agency.id);
  switch (actor.role) {
    case 'auditor':
      return { personalDetails: hasReason(auditReason), placementAddress: false, history: true };
    case 'caseworker': {
      if (own) return OWN_AGENCY;
      const shared = sharedAccess(context, actor.agency.id);
      if (shared) return shared;
      if (attends) return PATHWAY_ONLY;
      throw new NotPermitted(
        'the case belongs to another agency, is not shared with yours, and is not listed at a MARAC your agency attends',
      );
    }
    case 'marac_coordinator':
      if (context.referredToMarac) return PATHWAY_ONLY;
      throw new NotPermitted('the case has not been referred to the MARAC');
    case 'panel_member':
      if (attends) return PATHWAY_ONLY;
      throw new NotPermitted('the case is not listed at a MARAC meeting your agency attends');
    case 'data_protection':
      // What an erasure review needs: the facts and dates of the pathway, never the person's details.
      return PATHWAY_ONLY;
    case 'admin':
      throw new NotPermitted('the admin role operates the system and reads no case');
    case 'system':
      throw new NotPermitted('the system actor reads no case through the API');
  }
}

/**
 * What a case's history shows an actor (`GET /cases/:id/history`, `/replay`): auditors and the
 * case's own agency, by the case as it is now (no MARAC listing opens it).
 */
export function caseHistoryAccess(actor: Actor, context: CaseReadContext, auditReason?: string): CaseReadAccess {
  const access = caseReadAccess(actor, context, auditReason);
  if (!access.history) throw new NotPermitted('only auditors and the case’s own agency read its history');
  return access;
}

/**
 * A case's disclosure export (`GET /cases/:id/export`): as the history, and a disclosure is never
 * casual: an auditor must say why (the reason goes into the bundle and the read log).
 */
export function caseExportAccess(actor: Actor, context: CaseReadContext, auditReason?: string): CaseReadAccess {
  if (actor.role === 'auditor' && !hasReason(auditReason)) {
    throw new NotPermitted('an auditor must say why (reason, at least 10 characters) to export a case');
  }
  return caseHistoryAccess(actor, context, auditReason);
}

/** An auditor's reason for reading personal data must say something (at least 10 characters). */
export const hasReason = (reason: string | undefined): reason is string =>
  typeof reason === 'string' && reason.trim().length >= 10;

/** Why personal details were refused, in words a caller can act on. */
export function personalDetailsRefusal(actor: Actor, auditReason?: string): string {
  return actor.role === 'auditor' && !hasReason(auditReason)
    ? 'an auditor must say why (reason, at least 10 characters) to read personal details'
    : 'personal details stay with the case’s own agency';
}

/**
 * `GET /cases`: a caseworker lists their own agency's cases (asking for another agency is refused),
 * the coordinator the cases referred to the MARAC, an auditor every case; no other role lists cases.
 * Returns the filter the list must be narrowed to.
 */
export function caseListScope(
  actor: Actor,
  requestedAgency: string | undefined,
): { readonly agency?: string; readonly referredToMarac?: true } {
  switch (actor.role) {
    case 'caseworker':
      if (requestedAgency !== undefined && requestedAgency !== actor.agency.id) {
        throw new NotPermitted('a caseworker lists only their own agency’s cases');
      }
      return { agency: actor.agency.id };
    case 'marac_coordinator':
      return { referredToMarac: true };
    case 'auditor':
      return {};
    default:
      throw new NotPermitted(`the ${actor.role} role does not list cases`);
  }
}

/** The queue of MARAC actions owned by an agency and past due: what panels chase. */
export const MARAC_ACTION_QUEUE = 'marac-action-overdue';

/**
 * The caseworker queues: a caseworker reads their own agency's queues (or their own cases'); a
 * panel member only their agency's overdue MARAC actions; the coordinator the overdue MARAC actions
 * of any agency (chasing them is the coordinator's job, the cases behind other queues are not); an
 * auditor any queue of any agency; an admin none.
 */
export function mayReadQueue(actor: Actor, queue: string, agency: string | undefined): boolean {
  const ownAgency = agency === undefined || agency === actor.agency.id;
  switch (actor.role) {
    case 'caseworker':
      return ownAgency;
    case 'panel_member':
      return ownAgency && queue === MARAC_ACTION_QUEUE;
    case 'marac_coordinator':
      return queue === MARAC_ACTION_QUEUE;
    case 'auditor':
      return true;
    default:
      return false;
  }
}

/** A MARAC agenda: for the coordinator, auditors, and panel members and caseworkers of the agencies attending. */
export function ensureMayReadAgenda(actor: Actor, meeting: { readonly attendingAgencies: readonly string[] }): void {
  if (actor.role === 'marac_coordinator' || actor.role === 'auditor') return;
  const attends = meeting.attendingAgencies.includes(actor.agency.id);
  if ((actor.role === 'panel_member' || actor.role === 'caseworker') && attends) return;
  throw new NotPermitted('the agenda is for the coordinator and the agencies attending the meeting');
}
