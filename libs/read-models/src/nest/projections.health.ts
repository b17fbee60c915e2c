import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import type { EventStore } from '@app/event-store';
import { ReadModelKeys } from '../engine/keys';
import type { Projection } from '../engine/projection';
import { liveProjectionStatuses } from '../engine/generations';
import type { AppConfig } from '@app/platform/config/app-config';
import { APP_CONFIG, EVENT_STORE, REDIS } from '@app/platform/tokens';
import { PROJECTIONS, readModelRoot } from './read-models.tokens';

/**
 * Down when a projection has stopped at an event it cannot handle (its read model no longer
 * follows the events until someone looks), or is not built: being rebuilt from the start after
 * Redis was emptied, so queries answer 503 until it is (`state: 'rebuilding'`, with how far it
 * has come). Reports each projection's checkpoint, and where and why a stopped one stopped.
 */
@Injectable()
export class ProjectionsHealthIndicator {
  private readonly keys: ReadModelKeys;
  private readonly names: string[];

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(PROJECTIONS) projections: Projection[],
    private readonly health: HealthIndicatorService,
  ) {
    this.keys = new ReadModelKeys(readModelRoot(config));
    this.names = projections.map((projection) => projection.name);
  }

  async check(key = 'projections') {
    const session = this.health.check(key);
    try {
      const statuses = await liveProjectionStatuses(this.redis, this.keys, this.names, this.store);
      const details = Object.fromEntries(statuses.map(({ name, ...status }) => [name, status]));
      return statuses.some((status) => status.state !== 'running') ? session.down(details) : session.up(details);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
