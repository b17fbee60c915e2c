import type { RecordedEvent } from '@app/event-store';
import type { ProjectedEvent, Projection } from '../../engine/projection';
import { caseViewKeys, type CaseViewState, type ViewDeadline } from './case-view.projection';

/**
 * How many of a stream's first events the store had recorded at or before `at` (ms since the
 * epoch, compared with each event's `recordedAt`, the store's own time): the prefix an as-of fold
 * reads. Should a clock ever have stepped back, the prefix ends at the first event recorded after
 * `at`, so a past state is always a state the stream really passed through.
 */
export function recordedBy(stream: readonly Pick<RecordedEvent, 'recordedAt'>[], at: number): number {
  let count = 0;
  while (count < stream.length && stream[count]!.recordedAt.getTime() <= at) count++;
  return count;
}

/** An entity's state after `events`, folded by the projection's own `evolve` from `state` (its initial state unless given). */
export function foldWith<State>(
  projection: Projection<State>,
  events: readonly ProjectedEvent[],
  state: State = projection.initialState,
): State {
  let folded = state;
  for (const event of events) folded = projection.evolve(folded, event);
  return folded;
}

/**
 * The deadlines the case view shows for a state: taken from the projection's own `outputs` (the
 * document the live read model stores), so a past view's deadlines follow the live policy exactly.
 */
export function caseViewDeadlines(
  projection: Projection<CaseViewState>,
  caseId: string,
  state: CaseViewState,
): ViewDeadline[] {
  const documents = projection.outputs(caseId, state).documents ?? {};
  return (documents[caseViewKeys.deadlines(caseId)] as ViewDeadline[] | undefined) ?? [];
}
