import type { RecordedEvent } from '@app/event-store';

/**
 * The read log (issue 16, item 5): every read of a case, with who, through which route and why.
 * Its events are in streams of their own (never `case-…`: reading never changes a case or its
 * revision), all named `read-log-…`:
 * - `read-log-batch-<writer>`: one stream per writing process (a random id each start), one
 *   `CasesRead` event for the reads it gathered over a few milliseconds. Reads are many and
 *   cheap; an event per read cost more than the read (bench:read-audit).
 * - `read-log-<caseId>`: what earlier versions wrote, one `CaseRead` event per read. Still read.
 */
export const READ_LOG_PREFIX = 'read-log-';

/** The stream one writing process appends its reads to. */
export const readBatchStream = (writerId: string) => `${READ_LOG_PREFIX}batch-${writerId}`;

/** The most reads one `CasesRead` event holds: the access log orders reads by event and place in it. */
export const MAX_READS_PER_EVENT = 1_000;

export const CASES_READ = 'CasesRead';
/** What earlier versions wrote: one read, in a stream of the case's own. */
export const CASE_READ = 'CaseRead';

/** One read of a case, as recorded: who, through which route, and why (when one was given). */
export interface CaseRead {
  readonly caseId: string;
  readonly reader: { readonly userId: string; readonly role: string; readonly agency: string };
  readonly route: string;
  readonly reason?: string;
}

/**
 * The data of a `CasesRead` event: the reads gathered together, each `[caseId, reader, route]` or
 * `[caseId, reader, route, reason]`, where reader and route are places in `readers` and `routes`
 * (the reads of a few milliseconds come from a few people through a few routes: each is written once).
 */
export interface CasesRead {
  readonly readers: readonly CaseRead['reader'][];
  readonly reads: readonly (readonly [caseId: string, reader: number, route: number, reason?: string])[];
  readonly routes: readonly string[];
}

/** Gathers reads into `CasesRead` events of at most `MAX_READS_PER_EVENT` reads each. */
export class CasesReadBuilder {
  private events: CasesRead[] = [];
  private current: { readers: CaseRead['reader'][]; reads: CasesRead['reads'][number][]; routes: string[] } | undefined;
  private readerPlaces = new Map<string, number>();
  private routePlaces = new Map<string, number>();

  get size(): number {
    return this.events.length * MAX_READS_PER_EVENT + (this.current?.reads.length ?? 0);
  }

  add(caseId: string, reader: CaseRead['reader'], route: string, reason?: string): void {
    if (!this.current || this.current.reads.length >= MAX_READS_PER_EVENT) {
      if (this.current) this.events.push(this.current);
      this.current = { readers: [], reads: [], routes: [] };
      this.readerPlaces = new Map();
      this.routePlaces = new Map();
    }
    const current = this.current;
    const readerKey = `${reader.agency}\u0000${reader.role}\u0000${reader.userId}`;
    let readerAt = this.readerPlaces.get(readerKey);
    if (readerAt === undefined) {
      readerAt = current.readers.push({ agency: reader.agency, role: reader.role, userId: reader.userId }) - 1;
      this.readerPlaces.set(readerKey, readerAt);
    }
    let routeAt = this.routePlaces.get(route);
    if (routeAt === undefined) {
      routeAt = current.routes.push(route) - 1;
      this.routePlaces.set(route, routeAt);
    }
    current.reads.push(reason === undefined ? [caseId, readerAt, routeAt] : [caseId, readerAt, routeAt, reason]);
  }

  /** The events gathered, in order. */
  build(): CasesRead[] {
    return this.current ? [...this.events, this.current] : [...this.events];
  }
}

/** The reads an event of the read log records, in order: none for any other event. */
export function readsRecordedBy(event: Pick<RecordedEvent, 'type' | 'data'>): readonly CaseRead[] {
  if (event.type === CASES_READ) {
    const { readers, reads, routes } = event.data as CasesRead;
    return reads.map(([caseId, reader, route, reason]) =>
      reason === undefined
        ? { caseId, reader: readers[reader]!, route: routes[route]! }
        : { caseId, reader: readers[reader]!, reason, route: routes[route]! },
    );
  }
  if (event.type === CASE_READ) return [event.data as CaseRead];
  return [];
}
