import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import {
  caseDecider,
  caseStream,
  ensureMeetingAgenciesConfigured,
  fold,
  type Agency,
  type CaseEvent,
  type CaseListingFacts,
  type MaracMeetingCommand,
} from '@app/case-domain';
import { toDomainEvent, type CommandResult } from '@app/command-handling';
import type { EventStore } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';
import { AllowRoles } from '../auth/actor.decorators';
import { AGENCIES } from '../auth/auth.guard';
import type { RequestContext } from '../commands/command-context';
import { ExecuteMeetingCommand } from '../commands/execute-meeting-command';
import { commandResponse } from '../http/command-response';
import { CommandContext } from '../http/request-context';
import {
  AgreeActionDto,
  CloseMeetingDto,
  CompleteActionDto,
  DiscussionDto,
  ListCaseDto,
  ScheduleMeetingDto,
} from './meeting.dtos';

const MeetingId = () => Param('meetingId', new ParseUUIDPipe());

/** MARAC meetings (`marac-meeting-<uuid>`): run by the coordinator; actions completed by their owners. */
@Controller('marac/meetings')
@AllowRoles('marac_coordinator', 'panel_member')
export class MeetingsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AGENCIES) private readonly agencies: ReadonlyMap<string, Agency>,
  ) {}

  private async run(
    meetingId: string,
    command: MaracMeetingCommand,
    context: RequestContext,
    response: Response,
    status = HttpStatus.OK,
  ) {
    ensureMeetingAgenciesConfigured(command, (agency) => this.agencies.has(agency));
    const result: CommandResult = await this.commands.execute(new ExecuteMeetingCommand(meetingId, command, context));
    response.status(result.replayed ? HttpStatus.OK : status);
    return commandResponse(response, result, { meetingId });
  }

  @Post()
  schedule(
    @Body() b: ScheduleMeetingDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    const meetingId = b.meetingId ?? randomUUID();
    r.setHeader('Location', `/marac/meetings/${meetingId}`);
    return this.run(meetingId, { type: 'ScheduleMaracMeeting', ...b, meetingId }, c, r, HttpStatus.CREATED);
  }

  /**
   * Lists a case: the case must exist (404 otherwise); the meeting's rules then need its MARAC
   * referral and area, read from the case's own stream (the source of truth, not a read model).
   */
  @Post(':meetingId/cases')
  async list(
    @MeetingId() id: string,
    @Body() b: ListCaseDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    const recorded = await this.store.readStream(caseStream(b.caseId));
    const state = fold(
      caseDecider,
      recorded.map((event) => toDomainEvent<CaseEvent>(event)),
    );
    if (!state.exists) throw new NotFoundException(`There is no case ${b.caseId}`);
    const listedCase: CaseListingFacts = {
      referredToMarac: state.maracReferrals > 0,
      ...(state.area === undefined ? {} : { area: state.area }),
    };
    return this.run(id, { type: 'ListCaseAtMarac', caseId: b.caseId, listedCase }, c, r);
  }

  @Post(':meetingId/discussions')
  discuss(
    @MeetingId() id: string,
    @Body() b: DiscussionDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'RecordMaracDiscussion', ...b }, c, r);
  }

  @Post(':meetingId/actions')
  agree(
    @MeetingId() id: string,
    @Body() b: AgreeActionDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'AgreeMaracAction', ...b }, c, r);
  }

  @Post(':meetingId/actions/:actionId/completion')
  complete(
    @MeetingId() id: string,
    @Param('actionId', new ParseUUIDPipe()) actionId: string,
    @Body() b: CompleteActionDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'CompleteMaracAction', actionId, completedOn: b.completedOn }, c, r);
  }

  @Post(':meetingId/closure')
  close(
    @MeetingId() id: string,
    @Body() b: CloseMeetingDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'CloseMaracMeeting', closedOn: b.closedOn }, c, r);
  }
}
