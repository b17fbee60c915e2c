import type { LocalDate } from '../shared/local-date';
import type { RiskLevel } from '../case/typology';

type Command<Type extends string, Fields> = { readonly type: Type } & Readonly<Fields>;

export type ScheduleMaracMeeting = Command<
  'ScheduleMaracMeeting',
  { meetingId: string; area: string; meetsOn: LocalDate; attendingAgencies: readonly string[] }
>;
/**
 * What the meeting needs to know of the case it lists (another aggregate's facts, read from the
 * case's own stream by the caller): whether it was referred to the MARAC, and its area.
 */
export interface CaseListingFacts {
  readonly referredToMarac: boolean;
  readonly area?: string;
}
export type ListCaseAtMarac = Command<'ListCaseAtMarac', { caseId: string; listedCase: CaseListingFacts }>;
export type RecordMaracDiscussion = Command<
  'RecordMaracDiscussion',
  { caseId: string; riskLevel: RiskLevel; decisions: readonly string[] }
>;
export type AgreeMaracAction = Command<
  'AgreeMaracAction',
  { actionId: string; caseId: string; description: string; ownerAgency: string; dueOn: LocalDate }
>;
export type CompleteMaracAction = Command<'CompleteMaracAction', { actionId: string; completedOn: LocalDate }>;
export type CloseMaracMeeting = Command<'CloseMaracMeeting', { closedOn: LocalDate }>;

export type MaracMeetingCommand =
  | ScheduleMaracMeeting
  | ListCaseAtMarac
  | RecordMaracDiscussion
  | AgreeMaracAction
  | CompleteMaracAction
  | CloseMaracMeeting;
