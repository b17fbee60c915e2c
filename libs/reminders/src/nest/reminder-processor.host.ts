import { Inject, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { englandAndWalesCalendar } from '@app/case-domain';
import type { EventStore } from '@app/event-store';
import type { AppConfig } from '@app/platform/config/app-config';
import { settledWithin } from '@app/platform/settled-within';
import type Redis from 'ioredis';
import { APP_CONFIG, EVENT_STORE, REDIS } from '@app/platform/tokens';
import { REMINDER_QUEUE, type ReminderJobData } from '../reminder-jobs';
import { countReminderRaised } from '../reminder-metrics';
import { runReminderJob, type ReminderOutcome } from '../reminder-processor';

/** How many reminder jobs one process runs at once (each is a stream read and at most one append). */
const CONCURRENCY = 16;

/**
 * Runs reminder jobs as they come due: re-checks the case (or meeting) and raises the reminder at most once
 * (`processReminder`). Every worker process runs one; they may race over a job safely.
 */
@Processor(REMINDER_QUEUE, { concurrency: CONCURRENCY })
export class ReminderProcessorHost extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Reminders');
  private readonly calendar = englandAndWalesCalendar();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    super();
  }

  async process(job: Job<ReminderJobData>, token?: string): Promise<ReminderOutcome> {
    const outcome = await runReminderJob(job, token, {
      store: this.store,
      policy: this.config.deadlinePolicy,
      calendar: this.calendar,
    });
    const { caseId, meetingId, key, at } = job.data;
    const of = meetingId === undefined ? `case ${caseId}` : `MARAC meeting ${meetingId}`;
    this.logger.log(
      outcome.outcome === 'raised'
        ? `reminder raised: ${of} ${key} at ${at}${outcome.replayed ? ' (already written)' : ''}`
        : `reminder not raised: ${of} ${key} at ${at}: ${outcome.reason}`,
    );
    if (outcome.outcome === 'raised' && !outcome.replayed) {
      const lateBySeconds = (Date.now() - Date.parse(at)) / 1000;
      // Counted for /metrics only: a count that fails must not make the job run again.
      await countReminderRaised(this.redis, this.config.redisKeyPrefix, job.data.kind, lateBySeconds).catch(
        (error: Error) => this.logger.warn(`reminder not counted for /metrics: ${error.message}`),
      );
    }
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
