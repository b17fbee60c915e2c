import { Inject, Injectable } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  caseDecider,
  ensureMayActOnCase,
  ensureMayActOnMeeting,
  maracMeetingDecider,
  type Actor,
  type CaseCommand,
  type CaseEvent,
  type CaseState,
  type Decider,
  type MaracMeetingCommand,
  type MaracMeetingEvent,
  type MaracMeetingState,
} from '@app/case-domain';
import { handleCommand, type CommandResult, type DomainEvent } from '@app/command-handling';
import type { EventStore } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';

/** What the HTTP layer adds to a domain command: who, which request, and its conditions. */
export interface RequestContext {
  readonly actor: Actor;
  readonly correlationId: string;
  /** This request's own id: the cause of the events it writes. */
  readonly requestId: string;
  readonly idempotencyKey?: string;
  readonly ifRevision?: bigint;
}

type AnyDecider = Decider<{ type: string }, DomainEvent, unknown>;

/** A command on one stream, as it travels on the CommandBus, with the decider that judges it. */
export class ExecuteCommand {
  private constructor(
    readonly stream: string,
    readonly decider: AnyDecider,
    readonly command: { type: string },
    readonly context: RequestContext,
  ) {}

  static onCase(caseId: string, command: CaseCommand, context: RequestContext): ExecuteCommand {
    return new ExecuteCommand(`case-${caseId}`, guardedCaseDecider as unknown as AnyDecider, command, context);
  }

  static onMeeting(meetingId: string, command: MaracMeetingCommand, context: RequestContext): ExecuteCommand {
    return new ExecuteCommand(
      `marac-meeting-${meetingId}`,
      guardedMeetingDecider as unknown as AnyDecider,
      command,
      context,
    );
  }
}

/** The deciders with the access policy in front, so both judge the same, current state. */
const guardedCaseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  ...caseDecider,
  decide: (command, state, context) => {
    ensureMayActOnCase(context.actor, command, state);
    return caseDecider.decide(command, state, context);
  },
};
const guardedMeetingDecider: Decider<MaracMeetingCommand, MaracMeetingEvent, MaracMeetingState> = {
  ...maracMeetingDecider,
  decide: (command, state, context) => {
    ensureMayActOnMeeting(context.actor, command, state);
    return maracMeetingDecider.decide(command, state, context);
  },
};

export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;

/** Thin glue: every command, on a case or a meeting, goes through the one generic handler. */
@Injectable()
@CommandHandler(ExecuteCommand)
export class ExecuteCommandHandler implements ICommandHandler<ExecuteCommand, CommandResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ stream, decider, command, context }: ExecuteCommand): Promise<CommandResult> {
    return handleCommand(this.store, decider, stream, command, {
      actor: context.actor,
      correlationId: context.correlationId,
      causationId: context.requestId,
      ...(context.idempotencyKey === undefined ? {} : { idempotencyKey: context.idempotencyKey }),
      ...(context.ifRevision === undefined ? {} : { ifRevision: context.ifRevision }),
      now: this.clock,
    });
  }
}
