import { caseStream, maracMeetingStream, type CaseEvent, type MaracMeetingEvent } from '@app/case-domain';
import type { ProjectedEvent, Projection, ReadModelOutputs } from '../../engine/projection';

/** An event as a spec gives it: the domain event and the stream it was appended to. */
export interface GivenEvent {
  readonly stream: string;
  readonly type: string;
  readonly data: unknown;
}

export const onCase = (caseId: string, ...events: CaseEvent[]): GivenEvent[] =>
  events.map((event) => ({ ...event, stream: caseStream(caseId) }));

export const atMeeting = (meetingId: string, ...events: MaracMeetingEvent[]): GivenEvent[] =>
  events.map((event) => ({ ...event, stream: maracMeetingStream(meetingId) }));

/** When the `index`th event given (from 0) was recorded: a minute apart, from the spec's clock. */
export const recordedAt = (clock: Date, index: number): string =>
  new Date(clock.getTime() + index * 60_000).toISOString();

/**
 * The events as the store hands them to projections: `$all` positions in the order given (from 1),
 * revisions counted per stream (from 0), ids naming stream and revision, recorded by `recordedAt`.
 */
export function recorded(clock: Date, events: readonly GivenEvent[]): ProjectedEvent[] {
  const revisions = new Map<string, bigint>();
  return events.map((event, index) => {
    const revision = revisions.get(event.stream) ?? 0n;
    revisions.set(event.stream, revision + 1n);
    const position = BigInt(index + 1);
    return {
      id: `${event.stream}/${revision}`,
      type: event.type,
      data: event.data,
      stream: event.stream,
      revision,
      position: { commit: position, prepare: position },
      recordedAt: recordedAt(clock, index),
    };
  });
}

/** Counters as Redis holds them, `{ [key]: { [field]: total } }`: every entity's contributions added up. */
export type Counters = Record<string, Record<string, number>>;

/**
 * Given events / then outputs, with no Redis: folds each entity's events through the projection
 * as the engine does (`entityOf`, then `evolve` from `initialState`) and shows what `outputs` gives
 * for it. Events may be given singly or as the arrays `onCase` and `atMeeting` make.
 */
export function projectionSpecification<State>(projection: Projection<State>, clock: Date) {
  return (...given: (GivenEvent | readonly GivenEvent[])[]) => {
    const events = recorded(clock, given.flat());
    const states = new Map<string, State>();
    for (const event of events) {
      const entity = projection.entityOf(event);
      if (entity !== undefined) {
        states.set(entity, projection.evolve(states.get(entity) ?? projection.initialState, event));
      }
    }
    const state = (entity: string): State => states.get(entity) ?? projection.initialState;
    const outputs = (entity: string): ReadModelOutputs => projection.outputs(entity, state(entity));
    const counts = (): Counters => {
      const totals: Counters = {};
      for (const entity of states.keys()) {
        for (const [key, field, amount] of outputs(entity).counts ?? []) {
          const fields = (totals[key] ??= {});
          fields[field] = (fields[field] ?? 0) + amount;
        }
      }
      return totals;
    };
    return {
      /** The events as projected (ids, positions, `recordedAt`). */
      events,
      state,
      outputs,
      counts,
      then: (entity: string, expected: ReadModelOutputs) => expect(outputs(entity)).toEqual(expected),
      thenCounts: (expected: Counters) => expect(counts()).toEqual(expected),
    };
  };
}
