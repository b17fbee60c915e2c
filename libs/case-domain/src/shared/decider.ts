import type { DecisionContext } from './actor';

/** An aggregate as a pair of pure functions and a starting state (the Emmett shape; no base class). */
export interface Decider<Command, Event, State> {
  readonly decide: (command: Command, state: State, context: DecisionContext) => Event[];
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
}

/** The state after `events`. */
export function fold<Command, Event, State>(decider: Decider<Command, Event, State>, events: readonly Event[]): State {
  return events.reduce(decider.evolve, decider.initialState);
}
