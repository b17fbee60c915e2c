import { meetingIdOfStream, type LocalDate, type MaracMeetingEvent, type RiskLevel } from '@app/case-domain';
import type { ProjectedEvent, Projection, ReadModelOutputs } from '../../engine/projection';
import { queueKey } from '../queues/queues';

export interface MaracAction {
  readonly actionId: string;
  readonly caseId: string;
  /** Sealed under the person's key, as `MaracActionAgreed` (`eventId`) holds it. */
  readonly description: unknown;
  readonly eventId: string;
  readonly ownerAgency: string;
  readonly dueOn: LocalDate;
  readonly dueAt: string;
  readonly agreedAt: string;
  readonly completedOn?: LocalDate;
  readonly completedBy?: string;
  /** The latest reminder of its deadline raised (2 days before due, then at due; `MaracActionReminderRaised`). */
  readonly lastReminder?: { readonly label: string; readonly reminderAt: string; readonly raisedAt: string };
}

/** One MARAC meeting as its agenda shows it. */
export interface MaracMeetingView {
  readonly meetingId: string;
  readonly area: string;
  readonly meetsOn: LocalDate;
  readonly attendingAgencies: readonly string[];
  readonly closedOn?: LocalDate;
  readonly listed: readonly { readonly caseId: string; readonly listedAt: string }[];
  readonly discussions: readonly {
    readonly caseId: string;
    readonly riskLevel: RiskLevel;
    /** Sealed under the person's key, as `CaseDiscussedAtMarac` (`eventId`) holds them. */
    readonly decisions: unknown;
    readonly eventId: string;
    readonly at: string;
  }[];
  readonly actions: Readonly<Record<string, MaracAction>>;
}

export const MARAC_PROJECTION = 'marac';

export const maracKeys = {
  meeting: (meetingId: string) => `${MARAC_PROJECTION}:state:${meetingId}`,
  /** The meetings a case is listed at, scored by meeting date. */
  caseMeetings: (caseId: string) => `marac:case-meetings:${caseId}`,
  /** A case's open actions (`<meetingId>/<actionId>`), scored by due time. */
  caseOpenActions: (caseId: string) => `marac:case-open-actions:${caseId}`,
  areaMeetings: (area: string) => `marac:area-meetings:${area}`,
};

/**
 * MARAC meetings: agendas, each case's meetings and open actions, and the "MARAC action overdue"
 * queue of the agency that owns each action. `dueAtOf` turns an action's due date into the
 * instant it falls due (the deadline policy's time of day, Europe/London).
 */
export function maracProjection(dueAtOf: (dueOn: LocalDate) => string): Projection<MaracMeetingView> {
  return {
    name: MARAC_PROJECTION,
    entityOf: (event) => meetingIdOfStream(event.stream),
    initialState: {
      meetingId: '',
      area: '',
      meetsOn: '',
      attendingAgencies: [],
      closedOn: undefined,
      listed: [],
      discussions: [],
      actions: {},
    },
    evolve: (meeting, recorded) => evolveMeeting(meeting, recorded, dueAtOf),
    outputs: meetingOutputs,
  };
}

function evolveMeeting(
  meeting: MaracMeetingView,
  recorded: ProjectedEvent,
  dueAtOf: (dueOn: LocalDate) => string,
): MaracMeetingView {
  const event = recorded as unknown as MaracMeetingEvent;
  switch (event.type) {
    case 'MaracMeetingScheduled':
      return { ...meeting, ...event.data };
    case 'CaseListedAtMarac':
      return { ...meeting, listed: [...meeting.listed, { caseId: event.data.caseId, listedAt: recorded.recordedAt }] };
    case 'CaseDiscussedAtMarac':
      return {
        ...meeting,
        discussions: [...meeting.discussions, { ...event.data, eventId: recorded.id, at: recorded.recordedAt }],
      };
    case 'MaracActionAgreed':
      return {
        ...meeting,
        actions: {
          ...meeting.actions,
          [event.data.actionId]: {
            ...event.data,
            eventId: recorded.id,
            dueAt: dueAtOf(event.data.dueOn),
            agreedAt: recorded.recordedAt,
          },
        },
      };
    case 'MaracActionCompleted': {
      const action = meeting.actions[event.data.actionId];
      if (!action) throw new Error(`action ${event.data.actionId} completed but never agreed`);
      const completed = { ...action, completedOn: event.data.completedOn, completedBy: event.data.completedBy };
      return { ...meeting, actions: { ...meeting.actions, [action.actionId]: completed } };
    }
    case 'MaracActionReminderRaised': {
      const action = meeting.actions[event.data.actionId];
      if (!action) throw new Error(`a reminder raised for action ${event.data.actionId}, never agreed`);
      const lastReminder = {
        label: event.data.label,
        reminderAt: event.data.reminderAt,
        raisedAt: recorded.recordedAt,
      };
      return { ...meeting, actions: { ...meeting.actions, [action.actionId]: { ...action, lastReminder } } };
    }
    case 'MaracMeetingClosed':
      return { ...meeting, closedOn: event.data.closedOn };
    default:
      throw new Error(`unknown MARAC meeting event ${(event as { type: string }).type}`);
  }
}

function meetingOutputs(meetingId: string, meeting: MaracMeetingView): ReadModelOutputs {
  if (!meeting.meetingId) return {};
  const meetsAt = Date.parse(`${meeting.meetsOn}T00:00:00Z`);
  const members: [string, string, number][] = [[maracKeys.areaMeetings(meeting.area), meetingId, meetsAt]];
  for (const { caseId } of meeting.listed) members.push([maracKeys.caseMeetings(caseId), meetingId, meetsAt]);
  for (const action of Object.values(meeting.actions)) {
    if (action.completedOn) continue;
    const member = `${meetingId}/${action.actionId}`;
    const due = Date.parse(action.dueAt);
    members.push([maracKeys.caseOpenActions(action.caseId), member, due]);
    members.push([queueKey('marac_action', 'agency', action.ownerAgency), member, due]);
  }
  return { members };
}
