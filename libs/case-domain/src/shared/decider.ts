import type { DecisionContext } from './actor';

/** An aggregate as a pair of pure functions and a starting state (the Emmett shape; no base class). */
export interface Decider<Command, Event, State> {
  readonly decide: (command: Command, state: State, context: DecisionContext) => Event[];
  /** Pure, from the event alone (never its metadata): every fold of a stream gives the same state. */
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
}

/** The state after `events`. */
export function fold<Command, Event, State>(decider: Decider<Command, Event, State>, events: readonly Event[]): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState);
}
