import { Controller, Get, Header, Inject, Param, ParseUUIDPipe, Query, Res, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiForbiddenResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '@app/case-domain';
import type { QueueName } from '@app/read-models';
import { AllowRoles, CurrentActor } from '../auth/actor.decorators';
import { CLOCK, type Clock } from '../commands/command-context';
import { GetCaseAsOf } from './case-as-of.query';
import { CaseHistoryQueryDto } from './case-history.query';
import { GetCaseReplay } from './case-replay.query';
import { GetCaseView, ListCases } from './case.queries';
import { GetMaracAgendaAsOf } from './marac-agenda-as-of.query';
import { agendaCsv } from './agenda-csv';
import { agendaPdf } from './agenda-pdf';
import { GetMaracAgenda, type agenda as agendaOf } from './marac.queries';
import { GetChildrenRegister } from './children-register.query';
import { GetProblemProfile } from './problem-profile.query';
import {
  AgendaQueryDto,
  CaseListQueryDto,
  CaseViewQueryDto,
  ChildrenRegisterQueryDto,
  MeetingParams,
  ProblemProfileQueryDto,
  QueueItemsQueryDto,
  QueueNameParams,
  QueueQueryDto,
  ReadQueryDto,
} from './query.dtos';
import { GetQueue, GetQueues } from './queue.queries';

/** The case view and the case list (read models; `?minPosition=` to read your own writes). */
@Controller('cases')
export class CaseViewsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'The cases the caller may see, filtered, a page at a time' })
  @ApiForbiddenResponse({ description: 'The role may not list cases (panel members, admin, data protection).' })
  list(@Query() query: CaseListQueryDto, @CurrentActor() actor: Actor) {
    const { stage, agency, assignee, risk, child, limit, after, minPosition } = query;
    return this.queries.execute(
      new ListCases(
        actor,
        { stage, agency, assignee, risk, child },
        { limit: limit ?? 50, ...(after === undefined ? {} : { after }) },
        minPosition,
      ),
    );
  }

  @Get(':caseId')
  @ApiOperation({ summary: 'The case view (now, or as it stood at an instant or revision)' })
  view(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Query() query: CaseViewQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    const options = { personal: query.include === 'personal', reason: query.reason, minPosition: query.minPosition };
    if (query.asOf !== undefined)
      return this.queries.execute(new GetCaseAsOf(actor, caseId, { asOf: query.asOf }, options));
    if (query.revision !== undefined)
      return this.queries.execute(new GetCaseAsOf(actor, caseId, { revision: Number(query.revision) }, options));
    return this.queries.execute(new GetCaseView(actor, caseId, options));
  }

  /** The case's life a step at a time: each event with who, when, and the view fields it changed. */
  @Get(':caseId/replay')
  @AllowRoles('auditor', 'caseworker')
  @ApiOperation({
    summary: 'The case’s events in order, each with the case-view fields it changed',
    description:
      'A page at a time (limit 1-1000, default 100; after = the previous page’s next). Each event with its actor ' +
      '(user, role, agency), recordedAt (the store’s time), business date, correlation and causation ids, and ' +
      'changes: [{ path, before, after }] over the case view as GET /cases/{caseId} shows it to this reader. For ' +
      'auditors (personal details with reason) and the case’s own agency, as the history.',
  })
  replay(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Query() query: CaseHistoryQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.queries.execute(new GetCaseReplay(actor, caseId, query));
  }
}

/** The caseworker queues, for the caller's agency (or `?scope=mine`). */
@Controller('queues')
@AllowRoles('caseworker', 'panel_member', 'marac_coordinator', 'auditor')
export class QueuesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'Every caseworker queue with its count, for an agency or the caller' })
  all(@Query() query: QueueQueryDto, @CurrentActor() actor: Actor) {
    return this.queries.execute(
      new GetQueues({ actor, scope: query.scope ?? 'agency', agency: query.agency, minPosition: query.minPosition }),
    );
  }

  @Get(':name')
  @ApiOperation({ summary: "One queue's items, most urgent first" })
  one(@Param() params: QueueNameParams, @Query() query: QueueItemsQueryDto, @CurrentActor() actor: Actor) {
    return this.queries.execute(
      new GetQueue(
        params.name as QueueName,
        { actor, scope: query.scope ?? 'agency', agency: query.agency, minPosition: query.minPosition },
        query.limit ?? 100,
      ),
    );
  }
}

@Controller('marac/meetings')
export class AgendaController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':meetingId/agenda')
  @ApiOperation({ summary: "A MARAC meeting's agenda (now, or as it stood at an instant)" })
  agenda(@Param() params: MeetingParams, @Query() query: AgendaQueryDto, @CurrentActor() actor: Actor) {
    if (query.asOf !== undefined)
      return this.queries.execute(new GetMaracAgendaAsOf(actor, params.meetingId, query.asOf, query.minPosition));
    return this.queries.execute(new GetMaracAgenda(actor, params.meetingId, query.minPosition));
  }

  @Get(':meetingId/agenda.csv')
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'The agenda as CSV for the panel: a row per case listed',
    description:
      'The same agenda, access and read-log record as GET /marac/meetings/{meetingId}/agenda (no personal ' +
      'details, never a placement address): caseId, stage, risk and flags, what was discussed here, open and ' +
      'overdue actions, and what changed since the last meeting; lists in one cell separated by "; ". RFC 4180 ' +
      '(CRLF, quoted cells); a cell a spreadsheet would take for a formula is prefixed with an apostrophe.',
  })
  @Header('Content-Type', 'text/csv; charset=utf-8')
  async agendaCsv(
    @Param() params: MeetingParams,
    @Query() query: ReadQueryDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    const shown = await this.queries.execute<GetMaracAgenda, ReturnType<typeof agendaOf>>(
      new GetMaracAgenda(actor, params.meetingId, query.minPosition),
    );
    response.setHeader(
      'Content-Disposition',
      `attachment; filename="marac-agenda-${shown.meetsOn}-${params.meetingId}.csv"`,
    );
    return agendaCsv(shown);
  }

  @Get(':meetingId/agenda.pdf')
  @ApiProduces('application/pdf')
  @ApiOperation({
    summary: 'The agenda as a printable PDF for the panel',
    description:
      'The same agenda, access and read-log record as GET /marac/meetings/{meetingId}/agenda (no personal ' +
      'details, never a placement address) on A4 pages: the meeting (area, date, attending agencies), then per ' +
      'case listed its stage, risk and flags, what was discussed here, its open actions (owner, due date, open or ' +
      'overdue), what changed since the last meeting and what was recorded late; the generation time is the ' +
      'server clock’s, also the PDF’s CreationDate.',
  })
  async agendaPdf(
    @Param() params: MeetingParams,
    @Query() query: ReadQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<StreamableFile> {
    const shown = await this.queries.execute<GetMaracAgenda, ReturnType<typeof agendaOf>>(
      new GetMaracAgenda(actor, params.meetingId, query.minPosition),
    );
    return new StreamableFile(await agendaPdf(shown, this.clock()), {
      type: 'application/pdf',
      disposition: `attachment; filename="marac-agenda-${shown.meetsOn}-${params.meetingId}.pdf"`,
    });
  }
}

/**
 * Aggregates only, with small counts suppressed: every role may read the problem profile; the
 * children's register is for children's services of the area, the coordinator and auditors.
 */
@Controller('reports')
export class ReportsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('problem-profile')
  @ApiOperation({ summary: 'The problem profile: aggregates by month, area and outcome, small counts suppressed' })
  problemProfile(@Query() query: ProblemProfileQueryDto) {
    return this.queries.execute(new GetProblemProfile(query.from, query.to, query.area, query.minPosition));
  }

  @Get('children')
  @ApiForbiddenResponse({
    description: "Not children's services of the area, the coordinator or an auditor.",
  })
  @ApiOperation({
    summary: "The children's register: children's open cases in an area now, by stage and outcome (aggregates)",
  })
  childrenRegister(@Query() query: ChildrenRegisterQueryDto, @CurrentActor() actor: Actor) {
    return this.queries.execute(new GetChildrenRegister(actor, query.area, query.minPosition));
  }
}
