import { Inject, Injectable } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { caseDecider, caseStream, ensureMayActOnCase, type CaseCommand, type CaseState } from '@app/case-domain';
import { handleCommand, StreamQueue, StreamStateCache, type CommandResult } from '@app/command-handling';
import type { EventStore } from '@app/event-store';
import type { Keyring } from '@app/personal-data';
import { EVENT_STORE, KEYRING } from '@app/platform';
import { READ_MODELS } from '@app/read-models';
import type { ReadModels } from '@app/read-models';
import { CLOCK, digestUnderSubject, envelopeOf, type Clock, type RequestContext } from './command-context';

/** A command on one case (`case-<id>`), as it travels on the CommandBus. */
export class ExecuteCaseCommand {
  constructor(
    readonly caseId: string,
    readonly command: CaseCommand,
    readonly context: RequestContext,
  ) {}
}

/**
 * Thin glue: every case command goes through the one generic handler (the decider dispatches on
 * its type), with the access policy judged on the same current state the decider sees, before
 * any replay. Which agencies attend the MARAC meetings a case is listed at comes from the read
 * models (another aggregate's facts); only a panel member's note needs it.
 */
@Injectable()
@CommandHandler(ExecuteCaseCommand)
export class ExecuteCaseCommandHandler implements ICommandHandler<ExecuteCaseCommand, CommandResult> {
  private readonly states = new StreamStateCache<CaseState>();
  private readonly queue = new StreamQueue();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(KEYRING) private readonly keyring: Keyring,
  ) {}

  async execute({ caseId, command, context }: ExecuteCaseCommand): Promise<CommandResult> {
    const { actor } = context;
    const marac =
      actor.role === 'panel_member' ? { attendingAgencies: await this.attendingAgencies(caseId) } : undefined;
    return handleCommand(this.store, caseDecider, caseStream(caseId), command, envelopeOf(context, this.clock), {
      cache: this.states,
      queue: this.queue,
      authorize: (command, state) => ensureMayActOnCase(actor, command, state, marac),
      digest: (command) => digestUnderSubject(this.keyring, caseId, command),
    });
  }

  private async attendingAgencies(caseId: string): Promise<string[]> {
    const meetings = await this.readModels.meetingsOfCase(caseId);
    return [...new Set(meetings.flatMap((meeting) => meeting.attendingAgencies))];
  }
}
