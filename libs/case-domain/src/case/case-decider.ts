import type { Decider } from '../shared/decider';
import type { CaseCommand } from './case-commands';
import type { CaseEvent } from './case-events';
import { evolveCase, initialCaseState, type CaseState } from './case-state';
import { decideCase } from './decide-case';

/** A case (one potential victim, one episode): stream `case-<uuid>`. */
export const caseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  decide: decideCase,
  evolve: evolveCase,
  initialState: initialCaseState,
};
