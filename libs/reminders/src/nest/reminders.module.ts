import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { BullModule, InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { englandAndWalesCalendar } from '@app/case-domain';
import type { EventStore } from '@app/event-store';
// Deep paths, not '@app/platform': its index must not lead back here.
import type { AppConfig } from '@app/platform/config/app-config';
import { settledWithin } from '@app/platform/settled-within';
import { APP_CONFIG, EVENT_STORE, REDIS } from '@app/platform/tokens';
import { checkNoEviction } from '../redis-connection';
import { REMINDER_QUEUE, remindersUnder } from '../reminder-jobs';
import { ReminderSubscription } from '../reminder-subscription';
import { ReminderProcessorHost } from './reminder-processor.host';
import { reminderQueueModules } from './reminder-queue';

/** Runs the reminder subscription here while this process holds its lease (it tries for it from start). */
@Injectable()
export class ReminderSubscriptionHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly subscription: ReminderSubscription;
  private readonly logger = new Logger('Reminders');

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectQueue(REMINDER_QUEUE) queue: Queue,
  ) {
    this.subscription = new ReminderSubscription(store, redis, queue, {
      prefix: config.redisKeyPrefix,
      ...remindersUnder(config.deadlinePolicy, englandAndWalesCalendar()),
      log: (message) => this.logger.log(message),
    });
  }

  onApplicationBootstrap(): void {
    this.subscription.start();
  }

  /** Before the event store and Redis close, and bounded: a batch that does not end must not hold the process up. */
  async beforeApplicationShutdown(): Promise<void> {
    this.logger.log('stopping the reminder subscription');
    if (!(await settledWithin(this.subscription.stop(), 5_000))) {
      // Its lease runs out by itself; what it had not recorded is scheduled again from the checkpoint.
      this.logger.warn('the reminder subscription did not stop within 5 s: leaving it');
    }
    this.logger.log('reminder subscription stopped');
  }
}

/** Checks at start that Redis will not evict BullMQ's keys. */
@Injectable()
export class NoEvictionCheck implements OnModuleInit {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    await checkNoEviction(this.redis, (message) => new Logger('Reminders').warn(message));
  }
}

/**
 * Reminders as BullMQ jobs (in this deployment's Redis, under `<REDIS_KEY_PREFIX>:bull`): the
 * processor in every process that imports it, and the subscription that schedules them in
 * whichever of those holds its lease. Imported by the worker (and by `npm start`, in one process).
 */
@Module({})
export class RemindersModule {
  static forRoot(): DynamicModule {
    return {
      module: RemindersModule,
      global: true,
      imports: [...reminderQueueModules()],
      providers: [NoEvictionCheck, ReminderProcessorHost, ReminderSubscriptionHost],
      exports: [ReminderSubscriptionHost, BullModule],
    };
  }
}
