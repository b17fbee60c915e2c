import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { EventStore } from '@app/event-store';
import { EVENT_STORE } from '../tokens';
import { withTimeout } from './with-timeout';

@Injectable()
export class EventStoreHealthIndicator {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key = 'eventStore') {
    const indicator = this.health.check(key);
    try {
      await withTimeout(this.store.ping(), 2000);
      return indicator.up({ adapter: this.store.description });
    } catch (error) {
      return indicator.down({ adapter: this.store.description, message: (error as Error).message });
    }
  }
}
