import { Inject, Injectable } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  caseDecider,
  caseStream,
  ensureMayActOnCase,
  type Actor,
  type CaseCommand,
  type CaseEvent,
  type CaseState,
  type Decider,
} from '@app/case-domain';
import { handleCommand, type CommandResult } from '@app/command-handling';
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

/** A command on one case, as it travels on the CommandBus. */
export class ExecuteCaseCommand {
  constructor(
    readonly caseId: string,
    readonly command: CaseCommand,
    readonly context: RequestContext,
  ) {}
}

export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;

/** The case decider with the access policy in front, so both see the same, current state. */
const guardedCaseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  ...caseDecider,
  decide: (command, state, context) => {
    ensureMayActOnCase(context.actor, command, state);
    return caseDecider.decide(command, state, context);
  },
};

/** Thin glue: every case command goes through the one generic handler. */
@Injectable()
@CommandHandler(ExecuteCaseCommand)
export class ExecuteCaseCommandHandler implements ICommandHandler<ExecuteCaseCommand, CommandResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute({ caseId, command, context }: ExecuteCaseCommand): Promise<CommandResult> {
    return handleCommand(this.store, guardedCaseDecider, caseStream(caseId), command, {
      actor: context.actor,
      correlationId: context.correlationId,
      causationId: context.requestId,
      ...(context.idempotencyKey === undefined ? {} : { idempotencyKey: context.idempotencyKey }),
      ...(context.ifRevision === undefined ? {} : { ifRevision: context.ifRevision }),
      now: this.clock,
    });
  }
}
