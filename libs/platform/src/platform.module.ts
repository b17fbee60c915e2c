import { Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { openEventStore, type EventStore } from '@app/event-store';
import { SealingEventStore, type Keyring } from '@app/personal-data';
import type { AppConfig } from './config/app-config';
import { eventStoreConnectionFor } from './config/event-store-connection';
import { EventStoreHealthIndicator } from './health/event-store.health';
import { RedisHealthIndicator } from './health/redis.health';
import { connectedOrTimedOut, createRedisClient } from './redis/redis-client';
import { APP_CONFIG, EVENT_STORE, KEYRING, REDIS, REDIS_URL } from './tokens';

/** Closes the event store and the Redis connection when the app shuts down. */
class PlatformShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(KEYRING) private readonly keyring: Keyring,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    const logger = new Logger('Shutdown');
    logger.log(`closing the event store (${this.store.description})`);
    await this.store.close();
    await this.keyring.store.close();
    this.redis.disconnect();
    logger.log('event store and Redis closed');
  }
}

export interface PlatformOptions {
  readonly config: AppConfig;
  /** The people's data keys, opened by `main` (a wrong key-encryption key stops the app before Nest starts). */
  readonly keyring: Keyring;
  /** The Redis to use: `REDIS_URL`, or the managed server `main` started. */
  readonly redisUrl: string;
}

/** What every app needs: the configuration, the event store, Redis, and their health checks. */
@Module({})
export class PlatformModule {
  static forRoot({ config, redisUrl, keyring }: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: REDIS_URL, useValue: redisUrl },
        { provide: KEYRING, useValue: keyring },
        // Encrypt before append: whatever writes through EVENT_STORE has personal fields sealed.
        {
          provide: EVENT_STORE,
          useFactory: () => new SealingEventStore(openEventStore(eventStoreConnectionFor(config)), keyring),
        },
        { provide: REDIS, useFactory: () => connectedOrTimedOut(createRedisClient(redisUrl)) },
        EventStoreHealthIndicator,
        RedisHealthIndicator,
        PlatformShutdown,
      ],
      exports: [
        APP_CONFIG,
        REDIS_URL,
        EVENT_STORE,
        KEYRING,
        REDIS,
        EventStoreHealthIndicator,
        RedisHealthIndicator,
        TerminusModule,
      ],
    };
  }
}
