import type { DecisionContext } from '../shared/actor';
import type { Decider } from '../shared/decider';
import { isAfter, shiftYears, type LocalDate } from '../shared/local-date';
import { ensure } from '../shared/rule-broken';
import { ensureDate, ensureMeetingDateWithinAYear } from '../case/pathway/dates';
import type { CaseListingFacts, MaracMeetingCommand } from './meeting-commands';
import type { MaracMeetingEvent } from './meeting-events';

export interface MaracMeetingState {
  readonly scheduled: boolean;
  readonly area?: string;
  readonly meetsOn?: LocalDate;
  readonly closed: boolean;
  readonly listedCases: readonly string[];
  readonly actions: Readonly<Record<string, MaracActionState>>;
}

/** An agreed action: who owns it, which case it is about, when it is due (its deadline), whether done. */
export interface MaracActionState {
  readonly ownerAgency: string;
  readonly caseId: string;
  readonly dueOn: LocalDate;
  readonly completed: boolean;
  /** The times (ISO 8601) of its deadline's reminders raised so far (`MaracActionReminderRaised`). */
  readonly remindersRaised?: readonly string[];
}

export const initialMaracMeetingState: MaracMeetingState = {
  scheduled: false,
  closed: false,
  listedCases: [],
  actions: {},
};

export function evolveMaracMeeting(state: MaracMeetingState, event: MaracMeetingEvent): MaracMeetingState {
  switch (event.type) {
    case 'MaracMeetingScheduled':
      return { ...state, scheduled: true, area: event.data.area, meetsOn: event.data.meetsOn };
    case 'CaseListedAtMarac':
      return { ...state, listedCases: [...state.listedCases, event.data.caseId] };
    case 'CaseDiscussedAtMarac':
      return state;
    case 'MaracActionAgreed':
      return {
        ...state,
        actions: {
          ...state.actions,
          [event.data.actionId]: {
            ownerAgency: event.data.ownerAgency,
            caseId: event.data.caseId,
            dueOn: event.data.dueOn,
            completed: false,
          },
        },
      };
    case 'MaracActionCompleted': {
      const action = state.actions[event.data.actionId];
      return action
        ? { ...state, actions: { ...state.actions, [event.data.actionId]: { ...action, completed: true } } }
        : state;
    }
    case 'MaracActionReminderRaised': {
      const action = state.actions[event.data.actionId];
      if (!action) return state;
      const remindersRaised = [...(action.remindersRaised ?? []), event.data.reminderAt];
      return { ...state, actions: { ...state.actions, [event.data.actionId]: { ...action, remindersRaised } } };
    }
    case 'MaracMeetingClosed':
      return { ...state, closed: true };
  }
}

/**
 * A MARAC meeting: scheduled, cases listed and discussed, actions agreed with an owning agency
 * and a due date. Closing the meeting ends listing, discussion and new actions; the actions it
 * agreed are still chased and completed afterwards.
 */
export function decideMaracMeeting(
  command: MaracMeetingCommand,
  state: MaracMeetingState,
  { actor, now }: DecisionContext,
): MaracMeetingEvent[] {
  if (command.type === 'ScheduleMaracMeeting') {
    ensure(!state.scheduled, 'meeting-already-scheduled');
    ensureMeetingDateWithinAYear(command.meetsOn, now);
    const { meetingId, area, meetsOn, attendingAgencies } = command;
    return [{ type: 'MaracMeetingScheduled', data: { meetingId, area, meetsOn, attendingAgencies } }];
  }
  ensure(state.scheduled, 'meeting-not-scheduled');
  if (command.type === 'CompleteMaracAction') {
    const action = state.actions[command.actionId];
    ensure(action !== undefined, 'action-unknown');
    ensure(!action.completed, 'action-already-completed');
    ensureDate(command.completedOn, now, state.meetsOn);
    return [
      {
        type: 'MaracActionCompleted',
        data: { actionId: command.actionId, completedOn: command.completedOn, completedBy: actor.agency.id },
      },
    ];
  }
  ensure(!state.closed, 'meeting-closed');
  switch (command.type) {
    case 'ListCaseAtMarac':
      ensure(!state.listedCases.includes(command.caseId), 'case-already-listed');
      ensureMayBeListed(command.listedCase, state);
      return [{ type: 'CaseListedAtMarac', data: { caseId: command.caseId } }];
    case 'RecordMaracDiscussion':
      ensure(state.listedCases.includes(command.caseId), 'case-not-listed');
      return [
        {
          type: 'CaseDiscussedAtMarac',
          data: { caseId: command.caseId, riskLevel: command.riskLevel, decisions: command.decisions },
        },
      ];
    case 'AgreeMaracAction': {
      ensure(state.listedCases.includes(command.caseId), 'case-not-listed');
      ensure(state.actions[command.actionId] === undefined, 'action-already-agreed');
      ensure(command.dueOn >= (state.meetsOn ?? command.dueOn), 'action-due-before-meeting');
      // An action is chased to the next meetings, not years on: 9999-12-31 is a slip of the keyboard.
      ensure(
        state.meetsOn === undefined || !isAfter(command.dueOn, shiftYears(state.meetsOn, 1)),
        'action-due-more-than-a-year-after-meeting',
        `${command.dueOn} is more than a year after the meeting (${state.meetsOn ?? ''})`,
      );
      const { actionId, caseId, description, ownerAgency, dueOn } = command;
      return [{ type: 'MaracActionAgreed', data: { actionId, caseId, description, ownerAgency, dueOn } }];
    }
    case 'CloseMaracMeeting':
      ensureDate(command.closedOn, now, state.meetsOn);
      return [{ type: 'MaracMeetingClosed', data: { closedOn: command.closedOn } }];
  }
}

/**
 * Only a case referred to the MARAC is listed at its meetings, and, where the case has an area, only
 * at a meeting of that area: a listing opens the case to every agency attending, so it must follow
 * a referral, never stand in for one.
 */
function ensureMayBeListed(listedCase: CaseListingFacts, meeting: MaracMeetingState): void {
  ensure(listedCase.referredToMarac, 'listing-requires-marac-referral', 'the case has not been referred to the MARAC');
  const { area } = listedCase;
  ensure(
    area === undefined || meeting.area === undefined || area === meeting.area,
    'listing-outside-meeting-area',
    `the case belongs to ${area ?? ''}, the meeting to ${meeting.area ?? ''}`,
  );
}

/**
 * The agencies a meeting names (those attending, an action's owner) must be configured agencies:
 * attending opens the listed cases to an agency, so an unknown or mistyped id must not slip in.
 */
export function ensureMeetingAgenciesConfigured(
  command: MaracMeetingCommand,
  isConfigured: (agencyId: string) => boolean,
): void {
  const named =
    command.type === 'ScheduleMaracMeeting'
      ? command.attendingAgencies
      : command.type === 'AgreeMaracAction'
        ? [command.ownerAgency]
        : [];
  const unknown = named.filter((agency) => !isConfigured(agency));
  ensure(
    unknown.length === 0,
    'agency-not-configured',
    `not configured: ${unknown.map((id) => JSON.stringify(id)).join(', ')}`,
  );
}

/** A MARAC meeting: stream `marac-meeting-<uuid>`. */
export const maracMeetingDecider: Decider<MaracMeetingCommand, MaracMeetingEvent, MaracMeetingState> = {
  decide: decideMaracMeeting,
  evolve: evolveMaracMeeting,
  initialState: initialMaracMeetingState,
};
