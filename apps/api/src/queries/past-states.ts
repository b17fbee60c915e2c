import { Inject, Injectable } from '@nestjs/common';
import { caseStream, maracMeetingStream, type CaseState } from '@app/case-domain';
import { comparePositions, type EventStore, type Position } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';
import { foldTo, StreamCache, type ReadStream } from './stream-cache';

export type { ReadStream } from './stream-cache';
import {
  CASE_VIEW_PROJECTION,
  caseViewDeadlines,
  foldWith,
  MARAC_PROJECTION,
  PROJECTIONS,
  READ_MODELS,
  recordedBy,
  type CaseViewState,
  type MaracMeetingView,
  type Projection,
  type ReadModels,
  type ViewDeadline,
} from '@app/read-models';

/**
 * Where a past state ends: at an instant (the events the store had recorded by then, by each
 * event's `recordedAt`), or at a position in `$all` (inclusive: just after that event was written).
 */
export type PastPoint = { readonly at: number } | { readonly upTo: Position };

/** A case's view after its first `count` events, and its domain state now (after all of them). */
export interface CaseThenAndNow {
  readonly view: CaseViewState;
  readonly deadlines: ViewDeadline[];
  readonly current: CaseState;
}

/**
 * Past states, folded from the event store by the live read models' own projections (their
 * `evolve`, and their `outputs` for deadlines), so a past view is made by the same code as the
 * live one, under the same deadline policy. Redis is asked two things only: which MARAC meetings a
 * case is listed at (the meetings read model's index; a listing is never removed, so it holds
 * every meeting that ever listed the case), and which later cases name it as their earlier case
 * (the case view's index; an identification is never undone, so it holds every one); those
 * meetings and cases are then read from their streams.
 */
@Injectable()
export class PastStates {
  readonly caseView: Projection<CaseViewState>;
  readonly marac: Projection<MaracMeetingView>;
  private readonly streams: StreamCache;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(PROJECTIONS) projections: Projection[],
  ) {
    this.caseView = named(projections, CASE_VIEW_PROJECTION) as Projection<CaseViewState>;
    this.marac = named(projections, MARAC_PROJECTION) as Projection<MaracMeetingView>;
    this.streams = new StreamCache(store);
  }

  caseStream(caseId: string): Promise<ReadStream> {
    return this.streams.read(caseStream(caseId));
  }

  meetingStream(meetingId: string): Promise<ReadStream> {
    return this.streams.read(maracMeetingStream(meetingId));
  }

  /** The case view after the stream's first `count` events (at most all of them). */
  viewAt(stream: ReadStream, count: number): CaseViewState {
    return foldTo(stream, count, this.caseView.initialState, (state, event) => this.caseView.evolve(state, event));
  }

  /**
   * The case view after the stream's first `count` events (at most all of them), with its
   * deadlines, and the case's domain state at the head (the same fold the view runs on `domain`).
   */
  caseAt(caseId: string, stream: ReadStream, count: number): CaseThenAndNow {
    const view = this.viewAt(stream, count);
    const current = count >= stream.events.length ? view.domain : this.viewAt(stream, stream.events.length).domain;
    return { view, deadlines: caseViewDeadlines(this.caseView, caseId, view), current };
  }

  /** The streams of the MARAC meetings that list the case (now), in meeting-date order. */
  async meetingStreamsOfCase(caseId: string): Promise<ReadStream[]> {
    const meetings = await this.readModels.meetingsOfCase(caseId);
    return Promise.all(meetings.map((meeting) => this.meetingStream(meeting.meetingId)));
  }

  /**
   * The later cases naming the case as their earlier one (re-referrals) that were identified by
   * `point`: links recorded by then, in the order they were identified.
   */
  async laterCasesAt(caseId: string, point: PastPoint): Promise<string[]> {
    const ids = await this.readModels.laterCasesOf(caseId);
    const streams = await Promise.all(ids.map((id) => this.caseStream(id)));
    return ids.filter((_, index) => countAt(streams[index]!, point) > 0);
  }

  /** A meeting as it stood at `point`, or undefined if it was not scheduled yet. */
  meetingAt(stream: ReadStream, point?: PastPoint): MaracMeetingView | undefined {
    const count = point === undefined ? stream.events.length : countAt(stream, point);
    if (count === 0) return undefined;
    return foldWith(this.marac, stream.events.slice(0, count));
  }

  /** The meetings that listed the case at `point` (now when not given), as they stood then. */
  meetingsListing(caseId: string, streams: readonly ReadStream[], point?: PastPoint): MaracMeetingView[] {
    return streams.flatMap((stream) => {
      const meeting = this.meetingAt(stream, point);
      return meeting && meeting.listed.some((listing) => listing.caseId === caseId) ? [meeting] : [];
    });
  }
}

/** How many of a stream's first events stood at `point`. */
export function countAt(stream: ReadStream, point: PastPoint): number {
  if ('at' in point) return recordedBy(stream.recorded, point.at);
  let count = 0;
  while (count < stream.recorded.length && comparePositions(stream.recorded[count]!.position, point.upTo) <= 0) count++;
  return count;
}

function named(projections: readonly Projection[], name: string): Projection {
  const projection = projections.find((candidate) => candidate.name === name);
  if (!projection) throw new Error(`the read models have no ${name} projection`);
  return projection;
}
