import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Actor } from '@app/case-domain';
import type { QueueName } from '@app/read-models';
import { AllowRoles, CurrentActor } from '../auth/actor.decorators';
import { GetCaseView, ListCases } from './case.queries';
import { GetMaracAgenda } from './marac.queries';
import { GetProblemProfile } from './problem-profile.query';
import {
  CaseListQueryDto,
  CaseViewQueryDto,
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
  view(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Query() query: CaseViewQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.queries.execute(
      new GetCaseView(actor, caseId, {
        personal: query.include === 'personal',
        reason: query.reason,
        minPosition: query.minPosition,
      }),
    );
  }
}

/** The caseworker queues, for the caller's agency (or `?scope=mine`). */
@Controller('queues')
@AllowRoles('caseworker', 'panel_member', 'marac_coordinator', 'auditor')
export class QueuesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  all(@Query() query: QueueQueryDto, @CurrentActor() actor: Actor) {
    return this.queries.execute(
      new GetQueues({ actor, scope: query.scope ?? 'agency', agency: query.agency, minPosition: query.minPosition }),
    );
  }

  @Get(':name')
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
  constructor(private readonly queries: QueryBus) {}

  @Get(':meetingId/agenda')
  agenda(@Param() params: MeetingParams, @Query() query: ReadQueryDto, @CurrentActor() actor: Actor) {
    return this.queries.execute(new GetMaracAgenda(actor, params.meetingId, query.minPosition));
  }
}

/** Aggregates only, with small counts suppressed: every role may read them. */
@Controller('reports')
export class ReportsController {
  constructor(private readonly queries: QueryBus) {}

  @Get('problem-profile')
  problemProfile(@Query() query: ProblemProfileQueryDto) {
    return this.queries.execute(new GetProblemProfile(query.from, query.to, query.area, query.minPosition));
  }
}
