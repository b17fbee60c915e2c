import { Inject, Injectable, type Type } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  ensureMayActOnMeeting,
  maracMeetingDecider,
  maracMeetingStream,
  type MaracMeetingCommand,
  type MaracMeetingState,
} from '@app/case-domain';
import { commandDigest, handleCommand, StreamQueue, StreamStateCache, type CommandResult } from '@app/command-handling';
import type { EventStore } from '@app/event-store';
import type { Keyring } from '@app/personal-data';
import { EVENT_STORE, KEYRING } from '@app/platform';
import { Metrics } from '../metrics/metrics';
import { CLOCK, digestUnderSubject, envelopeOf, type Clock } from './command-context';
import { CommandMessages, type CommandMessage } from './command-messages';

/** Every meeting command type: the compiler refuses this list until it names each one the domain has. */
const MEETING_COMMAND_TYPES = {
  ScheduleMaracMeeting: true,
  ListCaseAtMarac: true,
  RecordMaracDiscussion: true,
  AgreeMaracAction: true,
  CompleteMaracAction: true,
  CloseMaracMeeting: true,
} as const satisfies { readonly [T in MaracMeetingCommand['type']]: true };

/** Meeting commands on the bus: `meetingCommands.of(meetingId, command, context)`. */
export const meetingCommands = new CommandMessages<MaracMeetingCommand>(
  'MaracMeeting',
  Object.keys(MEETING_COMMAND_TYPES) as MaracMeetingCommand['type'][],
);

/**
 * The meeting aggregate's glue, shared by every meeting command's handler (one state cache and
 * queue per stream): the generic handler, access judged on the meeting's current state. A
 * command naming a case (a listing, a discussion, an action) may hold that person's data, so its
 * Idempotency-Key digest is taken under their key.
 */
@Injectable()
export class MeetingAggregate {
  private readonly states = new StreamStateCache<MaracMeetingState>();
  private readonly queue = new StreamQueue();

  /** The store, its appends timed for `/metrics`. */
  private readonly store: EventStore;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(KEYRING) private readonly keyring: Keyring,
    private readonly metrics: Metrics,
  ) {
    this.store = metrics.timingAppends(store, 'marac_meeting');
  }

  execute({ id, command, context }: CommandMessage<MaracMeetingCommand>): Promise<CommandResult> {
    return this.metrics.countCommand(command.type, () =>
      handleCommand(this.store, maracMeetingDecider, maracMeetingStream(id), command, envelopeOf(context, this.clock), {
        cache: this.states,
        queue: this.queue,
        authorize: (command, state) => ensureMayActOnMeeting(context.actor, command, state),
        digest: async (command) =>
          'caseId' in command ? digestUnderSubject(this.keyring, command.caseId, command) : commandDigest(command),
      }),
    );
  }
}

@Injectable()
abstract class OnTheMeeting implements ICommandHandler<CommandMessage<MaracMeetingCommand>, CommandResult> {
  constructor(private readonly meetings: MeetingAggregate) {}

  execute(message: CommandMessage<MaracMeetingCommand>): Promise<CommandResult> {
    return this.meetings.execute(message);
  }
}

/** The handler of each meeting command type, registered with the bus by the app module. */
export const MEETING_COMMAND_HANDLERS: Type[] = meetingCommands.types.map((type) => {
  const handler = class extends OnTheMeeting {};
  Object.defineProperty(handler, 'name', { value: `${type}Handler` });
  CommandHandler(meetingCommands.classOf(type))(handler);
  return handler;
});
