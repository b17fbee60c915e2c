import { Inject, Injectable } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Actor } from '@app/case-domain';
import { type EventData, type EventStore } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';

/** A case's access log: a stream of its own (not `case-…`: reading never changes the case or its revision). */
export const caseReadLogStream = (caseId: string) => `read-log-${caseId}`;

/** The default and largest page of `GET /cases/:id/access-log`. */
export const ACCESS_LOG_PAGE = { default: 100, max: 1_000 } as const;

/** `GET /cases/:id/access-log?limit=&after=`: `after` is the revision the previous page's `next` gave. */
export class AccessLogQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ACCESS_LOG_PAGE.max)
  limit?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}

/** One read of a case, as recorded: who, through which route, and why (when one was given). */
export interface CaseRead {
  readonly caseId: string;
  readonly reader: { readonly userId: string; readonly role: string; readonly agency: string };
  readonly route: string;
  readonly reason?: string;
}

/**
 * Every read of a case is recorded (who, when, route, reason) before it is answered, and without
 * a write per read: the reads made within one turn of the event loop are written together, one
 * append per case read, all appends side by side (the embedded store commits them in one
 * transaction). A read whose record cannot be written fails, so nothing is shown unrecorded.
 */
@Injectable()
export class CaseReadLog {
  private pending = new Map<string, EventData[]>();
  private flush: Promise<void> | undefined;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Records that `actor` read these cases through `route`; resolves once the record is durable. */
  record(caseIds: readonly string[], actor: Actor, route: string, reason?: string): Promise<void> {
    const reader = { userId: actor.userId, role: actor.role, agency: actor.agency.id };
    for (const caseId of new Set(caseIds)) {
      const read: CaseRead = { caseId, reader, route, ...(reason === undefined ? {} : { reason }) };
      const event: EventData = { type: 'CaseRead', data: read, metadata: { schemaVersion: 1 } };
      const list = this.pending.get(caseId);
      if (list) list.push(event);
      else this.pending.set(caseId, [event]);
    }
    this.flush ??= new Promise((resolve) => setImmediate(resolve)).then(() => {
      const batch = this.pending;
      this.pending = new Map();
      this.flush = undefined;
      return this.write(batch);
    });
    return this.flush;
  }

  /** A page of a case's access log, oldest first; `after` is the revision the previous page's `next` gave. */
  async page(caseId: string, page: { readonly limit?: number; readonly after?: number }) {
    const limit = page.limit ?? ACCESS_LOG_PAGE.default;
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

  private async write(batch: Map<string, EventData[]>): Promise<void> {
    await Promise.all([...batch].map(([caseId, events]) => this.store.append(caseReadLogStream(caseId), events)));
  }
}
