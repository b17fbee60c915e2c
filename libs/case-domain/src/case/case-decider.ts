import type { Decider } from '../shared/decider';
import type { CaseCommand } from './case-commands';
import type { CaseEvent } from './case-events';
import { evolveCase, evolveCaseAt, initialCaseState, type CaseState } from './case-state';
import { decideCase } from './decide-case';

/** A case (one potential victim, one episode): stream `case-<uuid>`. */
export const caseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  decide: decideCase,
  evolve: (state, event, recordedAt) =>
    recordedAt === undefined ? evolveCase(state, event) : evolveCaseAt(state, event, recordedAt),
  initialState: initialCaseState,
};

export const caseStream = (caseId: string) => `case-${caseId}`;
