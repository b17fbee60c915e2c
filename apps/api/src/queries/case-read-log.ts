import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { CASES_READ, CasesReadBuilder, ReadLogIndex, readBatchStream } from '@app/audit/read-log';
import type { Actor } from '@app/case-domain';
import { type EventData, type EventStore } from '@app/event-store';
import { APP_CONFIG, EVENT_STORE, REDIS } from '@app/platform';
import type { AppConfig } from '@app/platform/config/app-config';
import { settledWithin } from '@app/platform/settled-within';
import { HISTORY_PAGE } from './query.dtos';

const READ_METADATA = Object.freeze({ schemaVersion: 1 });

/**
 * Every read of a case is recorded (who, when, route, reason) without slowing the read: the
 * reads made within 10 ms (`gatherMs`) are written together, as one `CasesRead` event
 * (`@app/audit/read-log`) appended to this process's own read-log stream, while the read is
 * answered. A write that fails is kept and tried again every second, in order, so a record is
 * lost only with the process itself, and then only the last few tens of milliseconds' (a crash
 * between a read and its commit). Reads of personal details are recorded apart and durably
 * before they are shown (`PersonalDataReads`). On shutdown what is pending is written before the
 * store closes. Auditors page through a case's reads through the index (`ReadLogIndex`), which
 * the worker keeps up and a page brings up to date first.
 */
@Injectable()
export class CaseReadLog implements BeforeApplicationShutdown {
  /** This process's stream: one writer, so its reads stay in the order they were made. */
  readonly stream = readBatchStream(randomUUID());
  private pending = new CasesReadBuilder();
  /** The write in progress, or the one scheduled; it goes on until nothing is pending. */
  private writing: Promise<void> | undefined;
  private readonly index: ReadLogIndex;
  private readonly logger = new Logger('ReadLog');
  /** How long a failed write waits before it is tried again. */
  retryMs = 1_000;
  /** How long reads gather before they are written together. */
  gatherMs = 10;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'redisKeyPrefix'>,
  ) {
    this.index = new ReadLogIndex(store, redis, config.redisKeyPrefix);
  }

  /** Records that `actor` read these cases through `route` (written within milliseconds). */
  record(caseIds: readonly string[], actor: Actor, route: string, reason?: string): void {
    const reader = { agency: actor.agency.id, role: actor.role, userId: actor.userId };
    for (const caseId of caseIds.length === 1 ? caseIds : new Set(caseIds)) {
      this.pending.add(caseId, reader, route, reason);
    }
    this.writing ??= this.writeAll().finally(() => (this.writing = undefined));
  }

  /** Resolves once every read recorded so far is written. */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!(await settledWithin(this.flushed(), 5_000))) {
      this.logger.warn(`could not write the last ${this.pending.size} reads before stopping`);
    }
  }

  /** A page of a case's access log, oldest first; `after` is what the previous page's `next` gave. */
  async page(caseId: string, page: { readonly limit?: number; readonly after?: number }) {
    await this.flushed(); // this process's own latest reads included
    await this.index.catchUp();
    const { reads, next } = await this.index.page(caseId, {
      limit: page.limit ?? HISTORY_PAGE.default,
      after: page.after,
    });
    return { caseId, reads, next };
  }

  private async writeAll(): Promise<void> {
    let failed: EventData[] = [];
    do {
      // The reads of the next few milliseconds join: a write per turn of the event loop cost a
      // commit (and its fsync) for every few reads, which took a tenth of the reads' CPU.
      await new Promise((resolve) => setTimeout(resolve, this.gatherMs));
      // What failed goes first, so the log stays in the order the reads were made.
      const events = failed.concat(
        this.pending.build().map((data) => ({ type: CASES_READ, data, metadata: READ_METADATA })),
      );
      this.pending = new CasesReadBuilder();
      try {
        await this.store.append(this.stream, events);
        failed = [];
      } catch (error) {
        this.logger.warn(
          `could not record the reads of ${events.length} events (${(error as Error).message}); trying again in ${this.retryMs} ms`,
        );
        failed = events;
        await new Promise((resolve) => setTimeout(resolve, this.retryMs));
      }
    } while (failed.length > 0 || this.pending.size > 0);
  }
}
