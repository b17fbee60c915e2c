import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformOptions } from '@app/platform';

/**
 * The worker of the scale-out profile: it will run the projections and the reminder processors
 * (later issues); today it holds the event store and Redis connections they will use.
 */
@Module({})
export class WorkerModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return { module: WorkerModule, imports: [PlatformModule.forRoot(options)] };
  }
}
