import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { PlatformModule, type PlatformOptions } from '@app/platform';
import { ReadModelsModule } from '@app/read-models';
import { loadAgencies } from './auth/agencies';
import { QueueBoardModule } from './admin/queue-board.module';
import { AgenciesController } from './auth/agencies.controller';
import { AGENCIES, AuthGuard, TOKEN_KEY } from './auth/auth.guard';
import { resolveTokenKey } from './auth/token-key';
import { CLOCK } from './commands/command-context';
import { CASE_COMMAND_HANDLERS, CaseAggregate } from './commands/case-commands';
import { MEETING_COMMAND_HANDLERS, MeetingAggregate } from './commands/meeting-commands';
import { AuditController } from './audit/audit.controller';
import { AuditLogReader } from './audit/audit-log-reader';
import { GetCaseExportHandler } from './audit/case-export.query';
import { CaseTimeline } from './queries/case-timeline';
import { CaseActionsController } from './cases/case-actions.controller';
import { CasesController } from './cases/cases.controller';
import { HealthController } from './health/health.controller';
import { Metrics } from './metrics/metrics';
import { MetricsController } from './metrics/metrics.controller';
import { ScrapeGauges } from './metrics/scrape-gauges';
import { MeetingsController } from './marac/meetings.controller';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { strictValidationPipe } from './http/validation';
import { GetCaseAsOfHandler } from './queries/case-as-of.query';
import { GetCaseHistoryHandler } from './queries/case-history.query';
import { GetCaseReplayHandler } from './queries/case-replay.query';
import { GetMaracAgendaAsOfHandler } from './queries/marac-agenda-as-of.query';
import { PastStates } from './queries/past-states';
import { GetCaseViewHandler, ListCasesHandler } from './queries/case.queries';
import { GetMaracAgendaHandler } from './queries/marac.queries';
import { DataProtectionController, ErasureReviewsController } from './cases/data-protection.controller';
import { PersonalDataEraser } from './cases/personal-data-eraser';
import { PersonalDataOpener } from './queries/personal-data-opener';
import { PersonalDataReads } from './queries/personal-data-reads';
import { CaseReadLog } from './queries/case-read-log';
import { GetChildrenRegisterHandler } from './queries/children-register.query';
import { GetProblemProfileHandler } from './queries/problem-profile.query';
import { GetQueueHandler, GetQueuesHandler } from './queries/queue.queries';
import { AgendaController, CaseViewsController, QueuesController, ReportsController } from './queries/read.controllers';

/**
 * The HTTP api: commands and queries. The worker (projections, reminders) runs elsewhere: in its
 * own process (scale-out), or, with `WORKER_IN_PROCESS` (the `npm start` default), on a thread
 * of this process that `main.ts` starts (`worker-in-process.ts`).
 */
@Module({})
export class AppModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(options),
        ReadModelsModule.forRoot({ runProjections: false }),
        CqrsModule.forRoot(),
        QueueBoardModule.forRoot(),
      ],
      controllers: [
        HealthController,
        AgenciesController,
        CasesController,
        CaseViewsController,
        CaseActionsController,
        MeetingsController,
        AgendaController,
        QueuesController,
        ReportsController,
        DataProtectionController,
        ErasureReviewsController,
        AuditController,
        MetricsController,
      ],
      providers: [
        { provide: TOKEN_KEY, useFactory: () => resolveTokenKey(options.config) },
        { provide: AGENCIES, useFactory: () => loadAgencies(options.config.agenciesFile) },
        { provide: CLOCK, useValue: () => new Date() },
        AuthGuard,
        // By class too: the queue board's middleware asks it about tokens.
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: strictValidationPipe },
        Metrics,
        ScrapeGauges,
        CaseAggregate,
        MeetingAggregate,
        ...CASE_COMMAND_HANDLERS,
        ...MEETING_COMMAND_HANDLERS,
        PersonalDataReads,
        CaseReadLog,
        AuditLogReader,
        PersonalDataOpener,
        PersonalDataEraser,
        GetCaseViewHandler,
        GetCaseHistoryHandler,
        PastStates,
        GetCaseAsOfHandler,
        CaseTimeline,
        GetCaseReplayHandler,
        GetCaseExportHandler,
        GetMaracAgendaAsOfHandler,
        ListCasesHandler,
        GetQueuesHandler,
        GetQueueHandler,
        GetMaracAgendaHandler,
        GetProblemProfileHandler,
        GetChildrenRegisterHandler,
      ],
    };
  }
}
