import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Actor } from '@app/case-domain';
import { type EventData, type EventStore } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';
import { settledWithin } from '@app/platform/settled-within';
import { HISTORY_PAGE } from './query.dtos';

/** A case's access log: a stream of its own (not `case-…`: reading never changes the case or its revision). */
export const caseReadLogStream = (caseId: string) => `read-log-${caseId}`;

const READ_METADATA = Object.freeze({ schemaVersion: 1 });

/** One read of a case, as recorded: who, through which route, and why (when one was given). */
export interface CaseRead {
  readonly caseId: string;
  readonly reader: { readonly userId: string; readonly role: string; readonly agency: string };
  readonly route: string;
  readonly reason?: string;
}

/**
 * Every read of a case is recorded (who, when, route, reason) without slowing the read: the
 * reads made within one turn of the event loop are written together, one append per case read,
 * side by side (the embedded store commits them in one transaction), while the read is answered.
 * A write that fails is kept and tried again every second, in order, so a record is lost only
 * with the process itself, and then only the last few milliseconds' (a crash between a read and
 * its commit). Reads of personal details are recorded apart and durably before they are shown
 * (`PersonalDataReads`). On shutdown what is pending is written before the store closes.
 */
@Injectable()
export class CaseReadLog implements BeforeApplicationShutdown {
  private pending = new Map<string, EventData[]>();
  /** The write in progress, or the one scheduled; it goes on until nothing is pending. */
  private writing: Promise<void> | undefined;
  private readonly logger = new Logger('ReadLog');
  /** How long a failed write waits before it is tried again. */
  retryMs = 1_000;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Records that `actor` read these cases through `route` (written within milliseconds). */
  record(caseIds: readonly string[], actor: Actor, route: string, reason?: string): void {
    // Fields in canonical (sorted) order, so the store's canonical JSON has nothing to sort.
    const reader = { agency: actor.agency.id, role: actor.role, userId: actor.userId };
    for (const caseId of caseIds.length === 1 ? caseIds : new Set(caseIds)) {
      const read: CaseRead = reason === undefined ? { caseId, reader, route } : { caseId, reader, reason, route };
      const event: EventData = { type: 'CaseRead', data: read, metadata: READ_METADATA };
      const list = this.pending.get(caseId);
      if (list) list.push(event);
      else this.pending.set(caseId, [event]);
    }
    this.writing ??= this.writeAll().finally(() => (this.writing = undefined));
  }

  /** Resolves once every read recorded so far is written. */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!(await settledWithin(this.flushed(), 5_000))) {
      this.logger.warn(`could not write the last reads of ${this.pending.size} cases before stopping`);
    }
  }

  /** A page of a case's access log, oldest first; `after` is the revision the previous page's `next` gave. */
  async page(caseId: string, page: { readonly limit?: number; readonly after?: number }) {
    await this.flushed(); // this process's own latest reads included
    const limit = page.limit ?? HISTORY_PAGE.default;
    const fromRevision = page.after === undefined ? 0n : BigInt(page.after) + 1n;
    const events = await this.store.readStream(caseReadLogStream(caseId), { fromRevision, maxCount: limit + 1 });
    const shown = events.slice(0, limit);
    return {
      caseId,
      reads: shown.map((event) => {
        const { reader, route, reason } = event.data as CaseRead;
        return {
          revision: event.revision.toString(),
          readAt: event.recordedAt.toISOString(),
          reader,
          route,
          reason: reason ?? null,
        };
      }),
      next: events.length > limit ? shown.at(-1)!.revision.toString() : null,
    };
  }

  private async writeAll(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // the rest of this turn's reads join
    while (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      const failed = await Promise.all(
        [...batch].map(async ([caseId, events]) => {
          try {
            await this.store.append(caseReadLogStream(caseId), events);
            return undefined;
          } catch (error) {
            return { caseId, events, error: error as Error };
          }
        }),
      );
      const retry = failed.filter((entry) => entry !== undefined);
      if (retry.length === 0) continue;
      this.logger.warn(
        `could not record reads of ${retry.length} cases (${retry[0]!.error.message}); trying again in ${this.retryMs} ms`,
      );
      // Kept ahead of the reads made since, so each case's log stays in order.
      const later = this.pending;
      this.pending = new Map(retry.map(({ caseId, events }) => [caseId, events]));
      for (const [caseId, events] of later) this.pending.set(caseId, [...(this.pending.get(caseId) ?? []), ...events]);
      await new Promise((resolve) => setTimeout(resolve, this.retryMs));
    }
  }
}
