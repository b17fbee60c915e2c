import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnModuleInit,
} from '@nestjs/common';
import { BullModule, getQueueToken, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import type Redis from 'ioredis';
import { englandAndWalesCalendar, pendingReminders } from '@app/case-domain';
import type { EventStore } from '@app/event-store';
import {
  bullConnection,
  bullPrefix,
  checkNoEviction,
  REMINDER_QUEUE,
  ReminderScheduler,
  runReminderJob,
  type ReminderJobData,
  type ReminderOutcome,
} from '@app/reminders';
import type { AppConfig } from '../config/app-config';
import { PROJECTION_FOLLOWERS } from '@app/read-models/nest/read-models.tokens';
import { settledWithin } from '../settled-within';
import { APP_CONFIG, EVENT_STORE, REDIS, REDIS_URL } from '../tokens';

export const REMINDER_SCHEDULER = Symbol('REMINDER_SCHEDULER');

/** How many reminder jobs one process runs at once (each is a stream read and at most one append). */
const CONCURRENCY = 16;

/**
 * Runs reminder jobs as they come due: re-checks the case and raises the reminder at most once
 * (`processReminder`). Every worker process runs one; they may race over a job safely.
 */
@Processor(REMINDER_QUEUE, { concurrency: CONCURRENCY })
export class ReminderProcessorHost extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Reminders');
  private readonly calendar = englandAndWalesCalendar();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job<ReminderJobData>, token?: string): Promise<ReminderOutcome> {
    const outcome = await runReminderJob(job, token, {
      store: this.store,
      policy: this.config.deadlinePolicy,
      calendar: this.calendar,
    });
    const { caseId, key, at } = job.data;
    this.logger.log(
      outcome.outcome === 'raised'
        ? `reminder raised: case ${caseId} ${key} at ${at}${outcome.replayed ? ' (already written)' : ''}`
        : `reminder not raised: case ${caseId} ${key} at ${at}: ${outcome.reason}`,
    );
    return outcome;
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<ReminderJobData> | undefined, error: Error): void {
    this.logger.error(`reminder job ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`);
  }

  /** Before the event store closes: let running jobs finish, take no more. */
  async beforeApplicationShutdown(): Promise<void> {
    this.logger.log('stopping the reminder processor');
    if (!(await settledWithin(this.worker.close(), 5_000))) {
      // A job still running is retried by BullMQ once its lock expires; raising is idempotent.
      this.logger.warn('reminder jobs still running after 5 s: closing without waiting for them');
      await this.worker.close(true);
    }
    this.logger.log('reminder processor stopped');
  }
}

/** Checks at start that Redis will not evict BullMQ's keys. */
@Injectable()
class NoEvictionCheck implements OnModuleInit {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    await checkNoEviction(this.redis, (message) => new Logger('Reminders').warn(message));
  }
}

/**
 * Reminders as BullMQ jobs (in this deployment's Redis, under `<REDIS_KEY_PREFIX>:bull`): the
 * processor, and the scheduler that follows the live projections in whichever process holds
 * their lock. Imported where the projections run (the worker; `npm start` in one process).
 */
@Module({})
export class RemindersModule {
  static forRoot(): DynamicModule {
    return {
      module: RemindersModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [APP_CONFIG, REDIS_URL],
          useFactory: (config: AppConfig, url: string) => ({
            connection: bullConnection(url),
            prefix: bullPrefix(config.redisKeyPrefix),
          }),
        }),
        BullModule.registerQueue({ name: REMINDER_QUEUE }),
      ],
      providers: [
        NoEvictionCheck,
        ReminderProcessorHost,
        {
          provide: REMINDER_SCHEDULER,
          inject: [EVENT_STORE, REDIS, APP_CONFIG, getQueueToken(REMINDER_QUEUE)],
          useFactory: (store: EventStore, redis: Redis, config: AppConfig, queue: Queue) => {
            const calendar = englandAndWalesCalendar();
            const logger = new Logger('Reminders');
            return new ReminderScheduler(store, redis, queue, {
              prefix: config.redisKeyPrefix,
              pendingOf: (state, now) => pendingReminders(state, config.deadlinePolicy, calendar, now),
              log: (message) => logger.log(message),
            });
          },
        },
        { provide: PROJECTION_FOLLOWERS, inject: [REMINDER_SCHEDULER], useFactory: (s: ReminderScheduler) => [s] },
      ],
      exports: [REMINDER_SCHEDULER, PROJECTION_FOLLOWERS, BullModule],
    };
  }
}
