import { Inject, Injectable, type Type } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  caseDecider,
  caseStream,
  ensureMayActOnCase,
  type AddNote,
  type CaseCommand,
  type CaseState,
} from '@app/case-domain';
import { handleCommand, StreamQueue, StreamStateCache, type CommandResult } from '@app/command-handling';
import type { EventStore } from '@app/event-store';
import type { Keyring } from '@app/personal-data';
import { EVENT_STORE, KEYRING } from '@app/platform';
import { READ_MODELS, type ReadModels } from '@app/read-models';
import { Metrics } from '../metrics/metrics';
import { CLOCK, digestUnderSubject, envelopeOf, type Clock } from './command-context';
import { CommandMessages, type CommandMessage } from './command-messages';

/** Every case command type: the compiler refuses this list until it names each one the domain has. */
const CASE_COMMAND_TYPES = {
  IdentifyPotentialVictim: true,
  AssignCase: true,
  RecordConsentGiven: true,
  RecordConsentDeclined: true,
  SubmitDutyToNotify: true,
  SubmitNrmReferral: true,
  RecordReasonableGroundsDecision: true,
  RecordConclusiveGroundsDecision: true,
  RequestReconsideration: true,
  RecordReconsiderationDecision: true,
  RequestSafeHousePlacement: true,
  StartSafeHousePlacement: true,
  MoveSafeHousePlacement: true,
  RecordPlacementReview: true,
  EndSafeHousePlacement: true,
  StartOutreachSupport: true,
  StartMoveOnSupport: true,
  RecordExit: true,
  CompleteFollowUp: true,
  ReportMissing: true,
  ReportFound: true,
  AssessRisk: true,
  ReferToMarac: true,
  AddNote: true,
  CloseCase: true,
  ReopenCase: true,
  ErasePersonalData: true,
  SetLegalHold: true,
  LiftLegalHold: true,
  ShareCase: true,
  AcceptShare: true,
  DeclineShare: true,
  RevokeShare: true,
  RequestTransfer: true,
  AcceptTransfer: true,
  DeclineTransfer: true,
} as const satisfies { readonly [T in CaseCommand['type']]: true };

/** Case commands on the bus: `caseCommands.of(caseId, command, context)`. */
export const caseCommands = new CommandMessages<CaseCommand>(
  'Case',
  Object.keys(CASE_COMMAND_TYPES) as CaseCommand['type'][],
);

/** Which agencies attend the MARAC meetings a case is listed at, for access rules that need it. */
interface MaracFacts {
  readonly attendingAgencies: readonly string[];
}

/**
 * The case aggregate's glue, shared by every case command's handler (one per stream: its state
 * cache and its queue, which lets one command at a time run on a case whatever its type): the
 * generic handler with the access policy judged on the same current state the decider sees,
 * before any replay.
 */
@Injectable()
export class CaseAggregate {
  private readonly states = new StreamStateCache<CaseState>();
  private readonly queue = new StreamQueue();

  /** The store, its appends timed for `/metrics`. */
  private readonly store: EventStore;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(KEYRING) private readonly keyring: Keyring,
    private readonly metrics: Metrics,
  ) {
    this.store = metrics.timingAppends(store, 'case');
  }

  execute({ id: caseId, command, context }: CommandMessage<CaseCommand>, marac?: MaracFacts): Promise<CommandResult> {
    return this.metrics.countCommand(command.type, () =>
      handleCommand(this.store, caseDecider, caseStream(caseId), command, envelopeOf(context, this.clock), {
        cache: this.states,
        queue: this.queue,
        authorize: (command, state) => ensureMayActOnCase(context.actor, command, state, marac),
        digest: (command) => digestUnderSubject(this.keyring, caseId, command),
      }),
    );
  }
}

/** A case command whose access rules need nothing beyond the case itself: all of them but a note. */
@Injectable()
abstract class OnTheCaseAlone implements ICommandHandler<CommandMessage<CaseCommand>, CommandResult> {
  constructor(private readonly cases: CaseAggregate) {}

  execute(message: CommandMessage<CaseCommand>): Promise<CommandResult> {
    return this.cases.execute(message);
  }
}

/**
 * A note. A panel member may add one to a case listed at a MARAC meeting their agency attends:
 * which agencies attend comes from the read models (another aggregate's facts), so only this
 * handler reads them, and only for a panel member.
 */
@Injectable()
@CommandHandler(caseCommands.classOf('AddNote'))
export class AddNoteHandler implements ICommandHandler<CommandMessage<AddNote>, CommandResult> {
  constructor(
    private readonly cases: CaseAggregate,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
  ) {}

  async execute(message: CommandMessage<AddNote>): Promise<CommandResult> {
    if (message.context.actor.role !== 'panel_member') return this.cases.execute(message);
    const meetings = await this.readModels.meetingsOfCase(message.id);
    return this.cases.execute(message, {
      attendingAgencies: [...new Set(meetings.flatMap((meeting) => meeting.attendingAgencies))],
    });
  }
}

/** The handler of each case command type, registered with the bus by the app module. */
export const CASE_COMMAND_HANDLERS: Type[] = caseCommands.types.map((type) => {
  if (type === 'AddNote') return AddNoteHandler;
  const handler = class extends OnTheCaseAlone {};
  Object.defineProperty(handler, 'name', { value: `${type}Handler` });
  CommandHandler(caseCommands.classOf(type))(handler);
  return handler;
});
