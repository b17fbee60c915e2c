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
import { ApiOperation } from '@nestjs/swagger';
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
import { meetingCommands } from '../commands/meeting-commands';
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
    const result: CommandResult = await this.commands.execute(meetingCommands.of(meetingId, command, context));
    response.status(result.replayed ? HttpStatus.OK : status);
    return commandResponse(response, result, { meetingId });
  }

  @Post()
  @ApiOperation({ summary: 'Schedule a MARAC meeting' })
  schedule(
    @Body() body: ScheduleMeetingDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const meetingId = body.meetingId ?? randomUUID();
    response.setHeader('Location', `/marac/meetings/${meetingId}`);
    return this.run(
      meetingId,
      { type: 'ScheduleMaracMeeting', ...body, meetingId },
      context,
      response,
      HttpStatus.CREATED,
    );
  }

  /**
   * Lists a case: the case must exist (404 otherwise); the meeting's rules then need its MARAC
   * referral and area, read from the case's own stream (the source of truth, not a read model).
   */
  @Post(':meetingId/cases')
  @ApiOperation({ summary: 'List a case referred to the MARAC at a meeting' })
  async list(
    @MeetingId() id: string,
    @Body() body: ListCaseDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const recorded = await this.store.readStream(caseStream(body.caseId));
    const state = fold(
      caseDecider,
      recorded.map((event) => toDomainEvent<CaseEvent>(event)),
    );
    if (!state.exists) throw new NotFoundException(`There is no case ${body.caseId}`);
    const listedCase: CaseListingFacts = {
      referredToMarac: state.maracReferrals > 0,
      ...(state.area === undefined ? {} : { area: state.area }),
    };
    return this.run(id, { type: 'ListCaseAtMarac', caseId: body.caseId, listedCase }, context, response);
  }

  @Post(':meetingId/discussions')
  @ApiOperation({ summary: "Record the panel's discussion of a listed case" })
  discuss(
    @MeetingId() id: string,
    @Body() body: DiscussionDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.run(id, { type: 'RecordMaracDiscussion', ...body }, context, response);
  }

  @Post(':meetingId/actions')
  @ApiOperation({ summary: 'Agree an action on a listed case, owned by an agency' })
  agree(
    @MeetingId() id: string,
    @Body() body: AgreeActionDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.run(id, { type: 'AgreeMaracAction', ...body }, context, response);
  }

  @Post(':meetingId/actions/:actionId/completion')
  @ApiOperation({ summary: 'Record an agreed action as completed' })
  complete(
    @MeetingId() id: string,
    @Param('actionId', new ParseUUIDPipe()) actionId: string,
    @Body() body: CompleteActionDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.run(id, { type: 'CompleteMaracAction', actionId, ...body }, context, response);
  }

  @Post(':meetingId/closure')
  @ApiOperation({ summary: 'Close the meeting' })
  close(
    @MeetingId() id: string,
    @Body() body: CloseMeetingDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.run(id, { type: 'CloseMaracMeeting', ...body }, context, response);
  }
}
