import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, RemindersModule, type PlatformOptions } from '@app/platform';
import { ReadModelsModule } from '@app/read-models';

/**
 * The worker of the scale-out profile: runs the projections and the reminder scheduler (in one
 * worker at a time, whichever holds the lock) and the reminder processor (in every worker).
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
      ],
    };
  }
}
