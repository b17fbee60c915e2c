import type { LocalDate } from '../shared/local-date';
import type { RiskLevel } from '../case/typology';

type Event<Type extends string, Data> = { readonly type: Type; readonly data: Data };

export type MaracMeetingScheduled = Event<
  'MaracMeetingScheduled',
  { meetingId: string; area: string; meetsOn: LocalDate; attendingAgencies: readonly string[] }
>;
export type CaseListedAtMarac = Event<'CaseListedAtMarac', { caseId: string }>;
export type CaseDiscussedAtMarac = Event<
  'CaseDiscussedAtMarac',
  { caseId: string; riskLevel: RiskLevel; decisions: readonly string[] }
>;
export type MaracActionAgreed = Event<
  'MaracActionAgreed',
  { actionId: string; caseId: string; description: string; ownerAgency: string; dueOn: LocalDate }
>;
export type MaracActionCompleted = Event<
  'MaracActionCompleted',
  { actionId: string; completedOn: LocalDate; completedBy: string }
>;
/**
 * A reminder of an open action's deadline (`maracActionDeadline`: the policy's length before its
 * due date, and at due), raised once by the reminder processor on the meeting's stream.
 */
export type MaracActionReminderRaised = Event<
  'MaracActionReminderRaised',
  {
    actionId: string;
    caseId: string;
    /** The deadline's key (`marac-action-<actionId>`), as in the reminder's job id. */
    key: string;
    label: string;
    dueAt: string;
    reminderAt: string;
    /** As `ReminderRaised.late` (a back-dated reminder); an action's deadline has none today. */
    late?: boolean;
  }
>;
export type MaracMeetingClosed = Event<'MaracMeetingClosed', { closedOn: LocalDate }>;

export type MaracMeetingEvent =
  | MaracMeetingScheduled
  | CaseListedAtMarac
  | CaseDiscussedAtMarac
  | MaracActionAgreed
  | MaracActionCompleted
  | MaracActionReminderRaised
  | MaracMeetingClosed;
