import type { DecisionContext } from './actor';

/** An aggregate as a pair of pure functions and a starting state (the Emmett shape; no base class). */
export interface Decider<Command, Event, State> {
  readonly decide: (command: Command, state: State, context: DecisionContext) => Event[];
  /**
   * `recordedAt` is when the event was recorded (its metadata), where the caller knows it: state
   * that runs clocks from events (deadlines in hours or seconds) needs it; the rest ignore it.
   */
  readonly evolve: (state: State, event: Event, recordedAt?: string) => State;
  readonly initialState: State;
}

/** The state after `events`. */
export function fold<Command, Event, State>(decider: Decider<Command, Event, State>, events: readonly Event[]): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState);
}
