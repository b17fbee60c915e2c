import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from '@app/audit/nest';
import { PlatformModule, type PlatformOptions } from '@app/platform';
import { ReadModelsModule } from '@app/read-models';
import { RemindersModule } from '@app/reminders/nest';

/**
 * The worker of the scale-out profile: runs the projections, the reminder subscription and the
 * audit tree builder (each in one worker at a time, whichever holds its lease) and the reminder
 * processor (in every worker).
 */
@Module({})
export class WorkerModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        PlatformModule.forRoot(options),
        ReadModelsModule.forRoot({ runProjections: true }),
        RemindersModule.forRoot(),
        AuditModule.forRoot(),
      ],
    };
  }
}
