import { Inject, Injectable } from '@nestjs/common';
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
import { CLOCK, digestUnderSubject, envelopeOf, type Clock, type RequestContext } from './command-context';

/** A command on one MARAC meeting (`marac-meeting-<id>`), as it travels on the CommandBus. */
export class ExecuteMeetingCommand {
  constructor(
    readonly meetingId: string,
    readonly command: MaracMeetingCommand,
    readonly context: RequestContext,
  ) {}
}

/**
 * Thin glue: every meeting command goes through the one generic handler, access judged on the
 * meeting's current state. A command naming a case (a discussion, an action) may hold that
 * person's data, so its Idempotency-Key digest is taken under their key.
 */
@Injectable()
@CommandHandler(ExecuteMeetingCommand)
export class ExecuteMeetingCommandHandler implements ICommandHandler<ExecuteMeetingCommand, CommandResult> {
  private readonly states = new StreamStateCache<MaracMeetingState>();
  private readonly queue = new StreamQueue();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(KEYRING) private readonly keyring: Keyring,
  ) {}

  execute({ meetingId, command, context }: ExecuteMeetingCommand): Promise<CommandResult> {
    const stream = maracMeetingStream(meetingId);
    return handleCommand(this.store, maracMeetingDecider, stream, command, envelopeOf(context, this.clock), {
      cache: this.states,
      queue: this.queue,
      authorize: (command, state) => ensureMayActOnMeeting(context.actor, command, state),
      digest: async (command) =>
        'caseId' in command ? digestUnderSubject(this.keyring, command.caseId, command) : commandDigest(command),
    });
  }
}
