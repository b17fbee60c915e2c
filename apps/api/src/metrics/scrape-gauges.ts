import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { Counter, Gauge } from 'prom-client';
import { DEADLINE_KINDS, type Agency } from '@app/case-domain';
import type { EventStore } from '@app/event-store';
import { APP_CONFIG, EVENT_STORE, REDIS, type AppConfig } from '@app/platform';
import {
  liveProjectionStatuses,
  PROJECTIONS,
  READ_MODELS,
  ReadModelKeys,
  readModelRoot,
  type Projection,
  type ProjectionStatus,
  type ReadModels,
} from '@app/read-models';
import { readReminderCounts, REMINDER_QUEUE, type ReminderCounts } from '@app/reminders';
import { AGENCIES } from '../auth/auth.guard';
import { CLOCK, type Clock } from '../commands/command-context';
import { Metrics } from './metrics';

/**
 * Gauges (and counters kept in Redis) computed when Prometheus scrapes, from the same places
 * `/health` and the queries read: each projection's checkpoint and lag behind the store's head,
 * reminder jobs by state, reminders raised and raised late (counted by the worker processes), the
 * items in each agency's queues, and the deadlines overdue in them by kind. Agencies, queues and
 * kinds are configured or closed names: no case, person or free text ever becomes a label.
 */
@Injectable()
export class ScrapeGauges implements OnModuleInit {
  private readonly keys: ReadModelKeys;
  /** The store's head and each projection's checkpoint, read once per scrape (four gauges show them). */
  private readonly projectionsNow: ScrapeSnapshot<ProjectionsNow>;
  /** The reminder counts the processors keep in Redis, read once per scrape (three counters show them). */
  private readonly reminderCounts: ScrapeSnapshot<ReminderCounts>;

  constructor(
    private readonly metrics: Metrics,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PROJECTIONS) private readonly projections: Projection[],
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(AGENCIES) private readonly agencies: ReadonlyMap<string, Agency>,
    @Inject(CLOCK) private readonly clock: Clock,
    @InjectQueue(REMINDER_QUEUE) private readonly reminderQueue: Queue,
  ) {
    this.keys = new ReadModelKeys(readModelRoot(config));
    this.projectionsNow = new ScrapeSnapshot(clock, () => this.readProjections());
    this.reminderCounts = new ScrapeSnapshot(clock, () => readReminderCounts(redis, config.redisKeyPrefix));
  }

  onModuleInit(): void {
    const registers = [this.metrics.registry];

    const head: Gauge<string> = new Gauge({
      name: 'marac_event_store_head_position',
      help: "The global position (commit) of the store's last event: a count of events in the embedded store, a log offset in EventStoreDB",
      registers,
      collect: async () => {
        head.set(Number((await this.projectionsNow.get()).head));
      },
    });
    const checkpoint: Gauge<string> = new Gauge({
      name: 'marac_projection_checkpoint_position',
      help: 'The global position (commit) each projection has applied, in the generation readers use',
      labelNames: ['projection'],
      registers,
      collect: async () => {
        for (const { name, at } of (await this.projectionsNow.get()).projections)
          checkpoint.set({ projection: name }, Number(at));
      },
    });
    const lag: Gauge<string> = new Gauge({
      name: 'marac_projection_lag_positions',
      help: "How far each projection's checkpoint is behind the store's head, in positions (events in the embedded store)",
      labelNames: ['projection'],
      registers,
      collect: async () => {
        const { head, projections } = await this.projectionsNow.get();
        for (const { name, at } of projections) lag.set({ projection: name }, Number(head > at ? head - at : 0n));
      },
    });
    const states: Gauge<string> = new Gauge({
      name: 'marac_projection_state',
      help: 'Each projection by state (running, rebuilding, stopped): 1 for its state, 0 for the others',
      labelNames: ['projection', 'state'],
      registers,
      collect: async () => {
        for (const { name, state } of (await this.projectionsNow.get()).projections)
          for (const each of ['running', 'rebuilding', 'stopped'] as const)
            states.set({ projection: name, state: each }, state === each ? 1 : 0);
      },
    });

    const jobs: Gauge<string> = new Gauge({
      name: 'marac_reminder_jobs',
      help: 'Reminder jobs in BullMQ by state (delayed: scheduled, not yet due)',
      labelNames: ['state'],
      registers,
      collect: async () => {
        const counts = await this.reminderQueue.getJobCounts('delayed', 'waiting', 'active', 'completed', 'failed');
        for (const [jobState, count] of Object.entries(counts)) jobs.set({ state: jobState }, count);
      },
    });

    const raised: Counter<string> = new Counter({
      name: 'marac_reminders_raised_total',
      help: 'Reminders raised (ReminderRaised written), by deadline kind (every worker process counts)',
      labelNames: ['kind'],
      registers,
      collect: async () => setCounts(raised, (await this.reminderCounts.get()).raised),
    });
    const late: Counter<string> = new Counter({
      name: 'marac_reminders_late_total',
      help: 'Reminders raised over 60 s after their time, by deadline kind (every worker process counts)',
      labelNames: ['kind'],
      registers,
      collect: async () => setCounts(late, (await this.reminderCounts.get()).late),
    });
    const lateness: Counter = new Counter({
      name: 'marac_reminder_lateness_seconds_total',
      help: 'The sum of how long after their time reminders were raised (over marac_reminders_raised_total: the mean)',
      registers,
      collect: async () => {
        lateness.reset();
        lateness.inc((await this.reminderCounts.get()).latenessSecondsSum);
      },
    });

    const items: Gauge<string> = new Gauge({
      name: 'marac_queue_items',
      help: "Items in each agency's work queues now (the counts GET /queues gives)",
      labelNames: ['queue', 'agency'],
      registers,
      collect: async () => {
        const now = this.clock().getTime();
        const agencies = [...this.agencies.keys()];
        const counts = await Promise.all(
          agencies.map((id) => this.readModels.queueCounts({ scope: 'agency', id }, now)),
        );
        items.reset();
        for (const [index, agency] of agencies.entries())
          for (const [queue, count] of Object.entries(counts[index]!)) items.set({ queue, agency }, count);
      },
    });

    const overdue: Gauge<string> = new Gauge({
      name: 'marac_deadlines_overdue',
      help: 'Open deadlines past due now, by kind and by the agency whose queues hold them (open MARAC actions by the agency that owns them)',
      labelNames: ['kind', 'agency'],
      registers,
      collect: async () => {
        const counts = await this.readModels.overdueDeadlineCounts(
          DEADLINE_KINDS,
          [...this.agencies.keys()],
          this.clock().getTime(),
        );
        overdue.reset();
        for (const kind of DEADLINE_KINDS)
          for (const [agency, count] of Object.entries(counts[kind])) overdue.set({ kind, agency }, count);
      },
    });
  }

  private async readProjections(): Promise<ProjectionsNow> {
    const names = this.projections.map((projection) => projection.name);
    const [head, statuses] = await Promise.all([
      this.headCommit(),
      liveProjectionStatuses(this.redis, this.keys, names, this.store),
    ]);
    return {
      head,
      projections: statuses.map((status) => ({
        name: status.name,
        state: status.state,
        at: BigInt(status.checkpoint?.split('/')[0] ?? '0'),
      })),
    };
  }

  private async headCommit(): Promise<bigint> {
    for await (const event of this.store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 }))
      return event.position.commit;
    return 0n;
  }
}

interface ProjectionsNow {
  readonly head: bigint;
  readonly projections: readonly {
    readonly name: string;
    readonly state: ProjectionStatus['state'];
    readonly at: bigint;
  }[];
}

/** A counter set to the counts kept elsewhere, as they stand. */
function setCounts(counter: Counter<string>, byKind: ReadonlyMap<string, number>): void {
  counter.reset();
  for (const [kind, count] of byKind) counter.inc({ kind }, count);
}

/**
 * One read shared by the metrics of one scrape: prom-client collects every metric at once, so
 * metrics shown from the same read each wait for it rather than show the previous scrape's.
 */
class ScrapeSnapshot<T> {
  private last: { readonly at: number; readonly read: Promise<T> } | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly read: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const now = this.clock().getTime();
    if (!this.last || now - this.last.at > 1_000) {
      const read = this.read();
      this.last = { at: now, read };
      // A failed read is not kept: the next scrape reads again.
      read.catch(() => this.last?.read === read && (this.last = undefined));
    }
    return this.last.read;
  }
}
