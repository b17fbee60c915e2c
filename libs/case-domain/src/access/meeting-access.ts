import type { Actor } from '../shared/actor';
import type { MaracMeetingCommand } from '../marac/meeting-commands';
import type { MaracMeetingState } from '../marac/meeting';
import { NotPermitted } from './case-access';

/**
 * The domain page's "who may do what" for MARAC meetings: the coordinator schedules, lists,
 * records discussions, agrees actions and closes; an action is completed by a panel member of
 * the agency that owns it (or by the coordinator, who chases actions).
 */
export function ensureMayActOnMeeting(actor: Actor, command: MaracMeetingCommand, state: MaracMeetingState): void {
  if (actor.role === 'marac_coordinator') return;
  if (command.type === 'CompleteMaracAction' && actor.role === 'panel_member') {
    const owner = state.actions[command.actionId]?.ownerAgency;
    if (owner === undefined || owner === actor.agency.id) return; // an unknown action is the decider's to refuse
    throw new NotPermitted(`action ${command.actionId} is owned by ${owner}, not ${actor.agency.id}`);
  }
  throw new NotPermitted(`the ${actor.role} role may not ${command.type}`);
}
