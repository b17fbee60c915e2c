import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import type { EventStore } from '@app/event-store';
import { ProjectionWorker, type Projection } from '@app/read-models';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, EVENT_STORE, REDIS } from '../tokens';
import { PROJECTIONS, readModelRoot } from './read-models.tokens';

/**
 * Down when a projection has stopped at an event it cannot handle: its read model no longer
 * follows the events until someone looks. Reports each projection's checkpoint, and where and
 * why a stopped one stopped.
 */
@Injectable()
export class ProjectionsHealthIndicator {
  private readonly statusReader: ProjectionWorker;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(PROJECTIONS) projections: Projection[],
    private readonly health: HealthIndicatorService,
  ) {
    this.statusReader = new ProjectionWorker(store, redis, projections, { root: readModelRoot(config) });
  }

  async check(key = 'projections') {
    const session = this.health.check(key);
    try {
      const statuses = await this.statusReader.statuses();
      const details = Object.fromEntries(statuses.map(({ name, ...status }) => [name, status]));
      return statuses.some((status) => status.state === 'stopped') ? session.down(details) : session.up(details);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
