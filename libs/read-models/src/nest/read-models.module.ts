import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type Redis from 'ioredis';
import type { EventStore } from '@app/event-store';
import type { Projection } from '../engine/projection';
import { ProjectionWorker } from '../engine/projection-worker';
import { readModelProjections } from '../projections/all-projections';
import { ReadModels } from '../read-models';
import type { AppConfig } from '@app/platform/config/app-config';
import { APP_CONFIG, EVENT_STORE, REDIS } from '@app/platform/tokens';
import { settledWithin } from '@app/platform/settled-within';
import { deadlineRules } from '../deadline-rules';
import { ProjectionsHealthIndicator } from './projections.health';
import { PROJECTIONS, READ_MODELS, readModelRoot } from './read-models.tokens';

/** Runs the live projections here when this process wins the lock (the worker, or `npm start`). */
@Injectable()
export class ProjectionWorkerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly worker: ProjectionWorker;
  private readonly logger = new Logger('Projections');

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(PROJECTIONS) projections: Projection[],
  ) {
    this.worker = new ProjectionWorker(store, redis, projections, {
      root: readModelRoot(config),
      log: (message) => this.logger.log(message),
    });
  }

  /** Starts the projections, and waits (at most a lease) for the first try at the lock to be done. */
  async onApplicationBootstrap(): Promise<void> {
    this.worker.start();
    if (!(await settledWithin(this.worker.started(), 5_000))) {
      this.logger.warn('the projection worker’s first step took over 5 s; starting regardless');
    }
  }

  /**
   * Before the event store and Redis close (their hooks run in `onApplicationShutdown`), and
   * bounded: a subscription that does not end promptly must not hold the process up.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.logger.log('stopping the projections');
    await settledWithin(this.worker.stop(), 5_000);
    this.logger.log('projections stopped');
  }
}

export interface ReadModelsModuleOptions {
  /** Run the projections in this process (they run in one process at a time, whichever holds the lock). */
  readonly runProjections: boolean;
}

/** The read models: the query side for the api, and the projection worker where asked for. */
@Module({})
export class ReadModelsModule {
  static forRoot({ runProjections }: ReadModelsModuleOptions): DynamicModule {
    return {
      module: ReadModelsModule,
      global: true,
      providers: [
        {
          provide: READ_MODELS,
          inject: [REDIS, APP_CONFIG, EVENT_STORE],
          useFactory: (redis: Redis, config: AppConfig, store: EventStore) =>
            new ReadModels(redis, readModelRoot(config), store),
        },
        {
          provide: PROJECTIONS,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            readModelProjections(deadlineRules(config.deadlinePolicy, config.retentionPolicy)),
        },
        ProjectionsHealthIndicator,
        ...(runProjections ? [ProjectionWorkerService] : []),
      ],
      exports: [READ_MODELS, PROJECTIONS, ProjectionsHealthIndicator],
    };
  }
}
