import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, ReadModelsModule, type PlatformOptions } from '@app/platform';

/**
 * The worker of the scale-out profile: runs the projections (in one worker at a time, whichever
 * holds the lock); the reminder processors come with the reminders issue.
 */
@Module({})
export class WorkerModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [PlatformModule.forRoot(options), ReadModelsModule.forRoot({ runProjections: true })],
    };
  }
}
