import {
  caseDecider,
  caseIdOfStream,
  caseStream,
  STATE_NEUTRAL_EVENTS,
  type CaseEvent,
  type CaseState,
} from '@app/case-domain';
import { toDomainEvent } from '@app/command-handling';
import type { EventStore, RecordedEvent } from '@app/event-store';

/** A case's state and the revision of the last event folded into it. */
interface Folded {
  readonly state: CaseState;
  readonly revision: bigint;
}

/** Folds recorded events (upcast first) onto a case's state with the case's one evolve. */
export function foldCaseEvents(recorded: readonly RecordedEvent[], from: CaseState = caseDecider.initialState) {
  let state = from;
  for (const event of recorded) state = caseDecider.evolve(state, toDomainEvent<CaseEvent>(event));
  return state;
}

const isNeutral = (event: RecordedEvent) => STATE_NEUTRAL_EVENTS.has(event.type as CaseEvent['type']);

/**
 * The case states the subscription folded last, the most recently touched `limit` of them: a
 * batch folds its events onto these instead of reading each case again. A case it does not hold
 * (never seen, evicted, or a revision missing in between) is read from its stream up to the
 * batch's first event for it, so no event is folded twice.
 */
export class CaseStates {
  private readonly folded = new Map<string, Folded>();

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly limit: number,
    private readonly log: (message: string) => void,
  ) {}

  get size(): number {
    return this.folded.size;
  }

  /** Holds a case's state as of `revision` (the reconciliation hands on what it folded). */
  remember(caseId: string, state: CaseState, revision: bigint): void {
    this.folded.delete(caseId); // re-inserted as the most recent
    this.folded.set(caseId, { state, revision });
    if (this.folded.size > this.limit) this.folded.delete(this.folded.keys().next().value!);
  }

  clear(): void {
    this.folded.clear();
  }

  /**
   * Folds a batch of case events (in `$all` order) and returns the states of the cases whose
   * reminders may have changed: not those touched only by state-neutral events (a note), nor a
   * case with an event this code cannot read (logged; its jobs are left as they are).
   */
  async fold(events: readonly RecordedEvent[]): Promise<Map<string, CaseState>> {
    const byCase = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const caseId = caseIdOfStream(event.stream);
      if (caseId === undefined) continue;
      const held = this.folded.get(caseId);
      if (held && event.revision <= held.revision) continue; // folded already (by the reconciliation)
      const list = byCase.get(caseId);
      if (list) list.push(event);
      else byCase.set(caseId, [event]);
    }
    const missing: [string, bigint][] = [];
    for (const [caseId, list] of byCase) {
      const first = list[0]!.revision;
      if (this.folded.get(caseId)?.revision === first - 1n) continue;
      this.folded.delete(caseId);
      if (list.every(isNeutral))
        byCase.delete(caseId); // nothing to derive: not worth a read
      else missing.push([caseId, first]);
    }
    // A read that fails fails the batch (it is retried); an event that cannot be folded does not.
    const earlier = new Map(
      await Promise.all(
        missing.map(async ([caseId, first]) => [caseId, await this.eventsBefore(caseId, first)] as const),
      ),
    );
    const changed = new Map<string, CaseState>();
    for (const [caseId, list] of byCase) {
      try {
        const before = earlier.get(caseId);
        const state = foldCaseEvents(list, before ? foldCaseEvents(before) : this.folded.get(caseId)!.state);
        this.remember(caseId, state, list.at(-1)!.revision);
        if (!list.every(isNeutral)) changed.set(caseId, state);
      } catch (error) {
        this.folded.delete(caseId);
        this.log(`reminders: cannot fold case-${caseId}, its jobs left as they are: ${(error as Error).message}`);
      }
    }
    return changed;
  }

  /** The case's events before `revision`, read from its stream. */
  private async eventsBefore(caseId: string, revision: bigint): Promise<RecordedEvent[]> {
    if (revision === 0n) return [];
    return this.store.readStream(caseStream(caseId), { maxCount: Number(revision) });
  }
}
