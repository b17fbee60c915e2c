import { Module, type DynamicModule } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import { BullBoardModule } from '@bull-board/nestjs';
import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { REMINDER_QUEUE } from '@app/reminders';
import { reminderQueueModules } from '@app/reminders/nest';
import { AuthGuard } from '../auth/auth.guard';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import { QUEUE_BOARD_ROUTE, queueBoardAuth } from './queue-board-auth';

/**
 * Bull Board at `/admin/queues`, for the admin role (`queue-board-auth.ts`): the reminder queue's
 * jobs by state, read-only. Reminder jobs are derived from the events (the subscription and
 * `npm run reminders:reconcile` make them match the cases); removing, promoting or retrying one
 * by hand would put the queue out of step with the cases, so the board offers no such action.
 * Its routes are Bull Board's Express router, not Nest controllers: Nest's guards do not see
 * them and the OpenAPI document does not list them.
 */
@Module({})
export class QueueBoardModule {
  static forRoot(): DynamicModule {
    return {
      module: QueueBoardModule,
      imports: [
        ...reminderQueueModules(),
        BullBoardModule.forRootAsync({
          inject: [ModuleRef],
          useFactory: (modules: ModuleRef) => {
            // The app's own guard checks the token, found when the first request comes (it is
            // the app module's, which this factory runs before).
            let guard: AuthGuard | undefined;
            const problems = new ProblemDetailsFilter();
            return {
              route: QUEUE_BOARD_ROUTE,
              adapter: ExpressAdapter,
              boardOptions: { uiConfig: { boardTitle: 'MARAC queues' } },
              middleware: queueBoardAuth({
                actorOf: (token) => (guard ??= modules.get(AuthGuard, { strict: false })!).actorOf(token),
                refuse: (error, request, response, instance) => problems.respond(error, request, response, instance),
              }),
            };
          },
        }),
        BullBoardModule.forFeature({ name: REMINDER_QUEUE, adapter: BullMQAdapter, options: { readOnlyMode: true } }),
      ],
      // The reminder queue, for /metrics too.
      exports: [BullModule],
    };
  }
}
