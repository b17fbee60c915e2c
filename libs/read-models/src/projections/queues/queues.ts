/**
 * The caseworker queues. Each reads one sorted set per agency and per assignee, scored by due
 * time (ms), through a window relative to now: `overdue` (due ≤ now), `soon` (due within the next
 * 7 days and not yet past), `due-soon-or-overdue` (due ≤ now + 7 days), or `all`.
 * Deadline-driven sets are filled from the case's deadlines (`deadlinesFor`); the rest by state.
 * Two projections fill them, so they have a folder of their own: the case view (every source but
 * one) and the MARAC meetings (`marac_action`, an agency's open actions); their queries need both.
 */
export type QueueWindow = 'overdue' | 'soon' | 'due-soon-or-overdue' | 'all';

export interface QueueDefinition {
  /** The sorted set it reads: a deadline kind, or a state-driven set. */
  readonly source: string;
  readonly window: QueueWindow;
  readonly description: string;
}

export const SOON_MS = 7 * 24 * 60 * 60 * 1000;

export const QUEUES = {
  'awaiting-referral-decision': {
    source: 'referral_decision',
    window: 'all',
    description: 'Identified; no NRM referral or duty-to-notify submission yet',
  },
  'awaiting-consent': {
    source: 'consent_decision',
    window: 'all',
    description: "An adult's informed consent to a referral not yet recorded",
  },
  'reasonable-grounds-overdue': {
    source: 'reasonable_grounds_decision',
    window: 'overdue',
    description: 'Referred; the reasonable grounds decision is past its target date',
  },
  'recovery-period-ending': {
    source: 'recovery_period',
    window: 'soon',
    description: 'The recovery period after a positive reasonable grounds decision ends within 7 days',
  },
  'needs-placement': {
    source: 'needs_placement',
    window: 'all',
    description: 'Entitled to support (or a placement requested) with no safe house and no outreach support',
  },
  'conclusive-grounds-overdue': {
    source: 'conclusive_grounds_decision',
    window: 'overdue',
    description: 'The recovery period has ended and there is no conclusive grounds decision',
  },
  'move-on-ending': {
    source: 'move_on_support',
    window: 'due-soon-or-overdue',
    description: 'Move-on support ends within 7 days (or has ended) and the person has not exited',
  },
  'follow-up-due': {
    source: 'follow_up',
    window: 'due-soon-or-overdue',
    description: 'A follow-up after exit is due within 7 days or overdue',
  },
  'marac-action-overdue': {
    source: 'marac_action',
    window: 'overdue',
    description: 'A MARAC action the agency owns is past its due date and not completed',
  },
  'reported-missing': {
    source: 'reported_missing',
    window: 'all',
    description: 'Reported missing and not yet found (children first)',
  },
  unassigned: { source: 'unassigned', window: 'all', description: 'Open cases with no caseworker assigned' },
  'reminders-raised': {
    source: 'reminder_raised',
    window: 'all',
    description: 'A deadline reminder has fired and the deadline is still open',
  },
  'shares-awaiting-response': {
    source: 'share_awaiting_response',
    window: 'all',
    description: 'Another agency has offered to share a case with this agency: accept or decline',
  },
  'transfers-awaiting-response': {
    source: 'transfer_awaiting_response',
    window: 'all',
    description: 'Another agency asks this agency to take a case over: accept or decline',
  },
  'shared-with-agency': {
    source: 'shared_with_agency',
    window: 'all',
    description: 'Cases another agency shares with this agency (accepted shares)',
  },
  spoc: {
    source: 'spoc',
    window: 'all',
    description:
      "The agency's single point of contact: shares and transfers awaiting its answer, and its unassigned cases",
  },
} as const satisfies Record<string, QueueDefinition>;

export type QueueName = keyof typeof QUEUES;

export const queueKey = (source: string, scope: 'agency' | 'assignee', id: string) => `queue:${source}:${scope}:${id}`;

/** Score bounds of a window at `now`, for ZRANGEBYSCORE / ZCOUNT. */
export function windowBounds(window: QueueWindow, now: number): [string, string] {
  switch (window) {
    case 'overdue':
      return ['-inf', String(now)];
    case 'soon':
      return [`(${now}`, String(now + SOON_MS)];
    case 'due-soon-or-overdue':
      return ['-inf', String(now + SOON_MS)];
    case 'all':
      return ['-inf', '+inf'];
  }
}
