import type { Actor } from '../shared/actor';
import { NotPermitted } from './case-access';

/** What decides who may read a case: whose case it is, and the MARAC meetings it is listed at. */
export interface CaseReadContext {
  /** The identifying and the assigned agency. */
  readonly caseAgencies: readonly string[];
  /** Agencies attending any MARAC meeting the case is listed at. */
  readonly maracAttendingAgencies: readonly string[];
  /** Referred to the MARAC, or listed at a meeting. */
  readonly atMarac: boolean;
}

/** How much of a case an actor may see. */
export interface CaseReadAccess {
  /** The person's details (name, aliases, date of birth, contact); an auditor only with a reason. */
  readonly personalDetails: boolean;
  /** The safe-house address: never outside the owning agency. */
  readonly placementAddress: boolean;
}

/**
 * The domain page's "may read" column for a case: a caseworker reads their own agency's cases and
 * those listed at a MARAC their agency attends; the MARAC coordinator every case referred to the
 * MARAC; a panel member the cases listed at meetings their agency attends; an auditor everything;
 * an admin no case. Personal details stay with the case's own agency (and auditors who say why).
 */
export function caseReadAccess(actor: Actor, context: CaseReadContext, auditReason?: string): CaseReadAccess {
  const own = context.caseAgencies.includes(actor.agency.id);
  const attends = context.maracAttendingAgencies.includes(actor.agency.id);
  switch (actor.role) {
    case 'auditor':
      return { personalDetails: hasReason(auditReason), placementAddress: false };
    case 'caseworker':
      if (own) return { personalDetails: true, placementAddress: true };
      if (attends) return { personalDetails: false, placementAddress: false };
      throw new NotPermitted('the case belongs to another agency and is not listed at a MARAC your agency attends');
    case 'marac_coordinator':
      if (context.atMarac) return { personalDetails: false, placementAddress: false };
      throw new NotPermitted('the case has not been referred to the MARAC');
    case 'panel_member':
      if (attends) return { personalDetails: false, placementAddress: false };
      throw new NotPermitted('the case is not listed at a MARAC meeting your agency attends');
    case 'admin':
      throw new NotPermitted('the admin role operates the system and reads no case');
    case 'system':
      throw new NotPermitted('the system actor reads no case through the API');
  }
}

/** An auditor's reason for reading personal data must say something (at least 10 characters). */
export const hasReason = (reason: string | undefined): reason is string =>
  typeof reason === 'string' && reason.trim().length >= 10;
