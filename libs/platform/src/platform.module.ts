import { Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { openEventStore, type EventStore } from '@app/event-store';
import type { AppConfig } from './config/app-config';
import { eventStoreConnectionFor } from './config/event-store-connection';
import { EventStoreHealthIndicator } from './health/event-store.health';
import { RedisHealthIndicator } from './health/redis.health';
import { connectedOrTimedOut, createRedisClient } from './redis/redis-client';
import { APP_CONFIG, EVENT_STORE, REDIS, REDIS_URL } from './tokens';

/** Closes the event store and the Redis connection when the app shuts down. */
class PlatformShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    const logger = new Logger('Shutdown');
    logger.log(`closing the event store (${this.store.description})`);
    await this.store.close();
    this.redis.disconnect();
    logger.log('event store and Redis closed');
  }
}

export interface PlatformOptions {
  readonly config: AppConfig;
  /** The Redis to use: `REDIS_URL`, or the managed server `main` started. */
  readonly redisUrl: string;
}

/** What every app needs: the configuration, the event store, Redis, and their health checks. */
@Module({})
export class PlatformModule {
  static forRoot({ config, redisUrl }: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: REDIS_URL, useValue: redisUrl },
        { provide: EVENT_STORE, useFactory: () => openEventStore(eventStoreConnectionFor(config)) },
        { provide: REDIS, useFactory: () => connectedOrTimedOut(createRedisClient(redisUrl)) },
        EventStoreHealthIndicator,
        RedisHealthIndicator,
        PlatformShutdown,
      ],
      exports: [
        APP_CONFIG,
        REDIS_URL,
        EVENT_STORE,
        REDIS,
        EventStoreHealthIndicator,
        RedisHealthIndicator,
        TerminusModule,
      ],
    };
  }
}
