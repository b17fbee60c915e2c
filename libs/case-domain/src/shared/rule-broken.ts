/**
 * Every rule `decide` enforces, by name. The API answers a broken rule with 422 and this name, so
 * a client (and an auditor reading logs) can tell exactly which rule said no.
 */
export const RULES = [
  // the case itself
  'case-already-identified',
  'case-not-identified',
  'case-closed',
  'case-not-closed',
  // re-referral: the earlier case it names
  'previous-case-is-this-case',
  'previous-case-not-identified',
  // consent, duty to notify, referral
  'consent-not-needed-for-child',
  'consent-already-given',
  'referral-requires-consent',
  'referral-requires-first-responder',
  'referral-already-submitted',
  'duty-to-notify-not-for-child',
  'duty-to-notify-requires-duty',
  'duty-to-notify-requires-consent-declined',
  'duty-to-notify-already-submitted',
  // decisions
  'rg-decision-requires-referral',
  'rg-decision-already-recorded',
  'cg-decision-requires-positive-rg',
  'cg-decision-already-recorded',
  'reconsideration-requires-negative-decision',
  'reconsideration-already-requested',
  'reconsideration-not-requested',
  'date-in-future',
  'date-before-earlier-event',
  'meeting-date-outside-window',
  // support
  'placement-requires-support-entitlement',
  'placement-already-requested',
  'placement-already-active',
  'placement-not-active',
  'outreach-requires-support-entitlement',
  'move-on-requires-cg-decision',
  'move-on-already-started',
  // exit and after
  'exit-requires-cg-decision-or-withdrawal',
  'exit-requires-nrm-referral',
  'exit-already-recorded',
  'follow-up-requires-exit',
  'follow-up-situation-contradicts-outcome',
  // safeguarding
  'already-missing',
  'not-missing',
  'assignment-unchanged',
  // MARAC meetings
  'meeting-already-scheduled',
  'meeting-not-scheduled',
  'meeting-closed',
  'case-already-listed',
  'case-not-listed',
  'action-unknown',
  'action-already-agreed',
  'action-already-completed',
  'action-due-before-meeting',
  'action-due-more-than-a-year-after-meeting',
  'listing-requires-marac-referral',
  'listing-outside-meeting-area',
  'agency-not-configured',
  // sharing and transfer between agencies
  'share-with-owning-agency',
  'share-already-open',
  'share-expiry-in-past',
  'share-consent-not-for-child',
  'share-consent-not-recorded',
  'share-consent-basis-without-consent',
  'share-unknown',
  'share-not-awaiting-response',
  'share-already-ended',
  'transfer-to-owning-agency',
  'transfer-already-requested',
  'transfer-not-requested',
  // personal data
  'legal-hold-set',
  'no-legal-hold',
  'personal-data-erased',
] as const;

export type RuleName = (typeof RULES)[number];

/** A command that a domain rule refuses. Nothing is written. */
export class PathwayRuleBroken extends Error {
  override readonly name = 'PathwayRuleBroken';

  constructor(
    readonly rule: RuleName,
    readonly detail?: string,
  ) {
    super(detail ? `${rule}: ${detail}` : rule);
  }
}

/** Throws `PathwayRuleBroken(rule)` unless `condition` holds. */
export function ensure(condition: boolean, rule: RuleName, detail?: string): asserts condition {
  if (!condition) throw new PathwayRuleBroken(rule, detail);
}
