import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type PlatformOptions } from '@app/platform';
import { HealthController } from './health/health.controller';

/** The HTTP api. With `WORKER_IN_PROCESS` (the `npm start` default) it also hosts the worker. */
@Module({})
export class AppModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(options)],
      controllers: [HealthController],
    };
  }
}
