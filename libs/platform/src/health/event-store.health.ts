import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { EventStore } from '@app/event-store';
import { EVENT_STORE } from '../tokens';
import { probe } from './probe';

@Injectable()
export class EventStoreHealthIndicator {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key = 'eventStore') {
    return probe(this.health.check(key), () => this.store.ping(), { adapter: this.store.description });
  }
}
