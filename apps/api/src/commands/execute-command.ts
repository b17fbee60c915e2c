import { Inject, Injectable } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  caseDecider,
  ensureMayActOnCase,
  ensureMayActOnMeeting,
  maracMeetingDecider,
  type Actor,
  type CaseCommand,
  type CaseState,
  type MaracMeetingCommand,
  type MaracMeetingState,
} from '@app/case-domain';
import {
  canonicalJson,
  commandDigest,
  handleCommand,
  StreamQueue,
  StreamStateCache,
  type CommandEnvelope,
  type CommandResult,
} from '@app/command-handling';
import type { EventStore } from '@app/event-store';
import { SubjectErased, type Keyring } from '@app/personal-data';
import { EVENT_STORE, KEYRING, READ_MODELS } from '@app/platform';
import type { ReadModels } from '@app/read-models';

/** What the HTTP layer adds to a domain command: who, which request, and its conditions. */
export interface RequestContext {
  readonly actor: Actor;
  readonly correlationId: string;
  /** This request's own id: the cause of the events it writes. */
  readonly requestId: string;
  readonly idempotencyKey?: string;
  readonly ifRevision?: bigint;
}

/** A command on one stream, as it travels on the CommandBus. */
export class ExecuteCommand {
  private constructor(
    readonly kind: 'case' | 'meeting',
    readonly stream: string,
    readonly command: CaseCommand | MaracMeetingCommand,
    readonly context: RequestContext,
  ) {}

  static onCase(caseId: string, command: CaseCommand, context: RequestContext): ExecuteCommand {
    return new ExecuteCommand('case', `case-${caseId}`, command, context);
  }

  static onMeeting(meetingId: string, command: MaracMeetingCommand, context: RequestContext): ExecuteCommand {
    return new ExecuteCommand('meeting', `marac-meeting-${meetingId}`, command, context);
  }
}

export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;

/**
 * Thin glue: every command, on a case or a meeting, goes through the one generic handler, with the
 * access policy judged on the same current state the decider sees, before any replay. Which
 * agencies attend the MARAC meetings a case is listed at comes from the read models (another
 * aggregate's facts); only a panel member's note needs it.
 */
@Injectable()
@CommandHandler(ExecuteCommand)
export class ExecuteCommandHandler implements ICommandHandler<ExecuteCommand, CommandResult> {
  private readonly caseStates = new StreamStateCache<CaseState>();
  private readonly meetingStates = new StreamStateCache<MaracMeetingState>();
  private readonly queue = new StreamQueue();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(KEYRING) private readonly keyring: Keyring,
  ) {}

  async execute({ kind, stream, command, context }: ExecuteCommand): Promise<CommandResult> {
    const { actor } = context;
    const envelope: CommandEnvelope = {
      actor,
      correlationId: context.correlationId,
      causationId: context.requestId,
      ...(context.idempotencyKey === undefined ? {} : { idempotencyKey: context.idempotencyKey }),
      ...(context.ifRevision === undefined ? {} : { ifRevision: context.ifRevision }),
      now: this.clock,
    };
    if (kind === 'case') {
      const marac =
        actor.role === 'panel_member'
          ? { attendingAgencies: await this.attendingAgencies(stream.slice('case-'.length)) }
          : undefined;
      return handleCommand(this.store, caseDecider, stream, command as CaseCommand, envelope, {
        cache: this.caseStates,
        queue: this.queue,
        authorize: (command, state) => ensureMayActOnCase(actor, command, state, marac),
        digest: (command) => this.digestUnder(stream.slice('case-'.length), command),
      });
    }
    return handleCommand(this.store, maracMeetingDecider, stream, command as MaracMeetingCommand, envelope, {
      cache: this.meetingStates,
      queue: this.queue,
      authorize: (command, state) => ensureMayActOnMeeting(actor, command, state),
      digest: async (command) =>
        'caseId' in command ? this.digestUnder(command.caseId, command) : commandDigest(command),
    });
  }

  /**
   * A command about a case is digested under the person's key (an HMAC): its text may hold their
   * data. Once that key is destroyed nothing personal can be sent for them, so a plain digest
   * serves what is left.
   */
  private async digestUnder(caseId: string, command: { readonly type: string }): Promise<string> {
    try {
      return await this.keyring.digestForSubject(`victim-${caseId}`, canonicalJson(command));
    } catch (error) {
      if (error instanceof SubjectErased) return commandDigest(command);
      throw error;
    }
  }

  private async attendingAgencies(caseId: string): Promise<string[]> {
    const meetings = await this.readModels.meetingsOfCase(caseId);
    return [...new Set(meetings.flatMap((meeting) => meeting.attendingAgencies))];
  }
}
