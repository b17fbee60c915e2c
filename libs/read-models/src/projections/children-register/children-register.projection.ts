import {
  caseIdOfStream,
  evolveCase,
  initialCaseState,
  stageOf,
  type CaseEvent,
  type CaseStage,
  type CaseState,
} from '@app/case-domain';
import type { ProjectedEvent, Projection, ReadModelOutputs } from '../../engine/projection';

/**
 * One case as the children's register keeps it: a child's case folded by the domain's one
 * `evolveCase`; `null` once the case is known to be an adult's (nothing more is kept of it).
 */
export interface RegisterCase {
  readonly child: CaseState | null;
}

export const CHILDREN_REGISTER_PROJECTION = 'children-register';
/**
 * The set of case ids behind one cell of an area's register (`unspecified` for cases without an
 * area): `total`, `stage:<stage>`, `exited:<outcome>`, `missing`. Sets, not counters, because a
 * case leaves cells as it moves on: a set drops it and is gone once empty, where a counter would
 * keep a 0 that a rebuild never writes. The query counts them; no id leaves the read model.
 */
export const childrenRegisterKey = (area: string, cell: string) => `children-register:${area}:${cell}`;

/** The stages a child's open case can be at (a child needs no consent and no duty to notify). */
export const CHILD_STAGES = [
  'identified',
  'awaiting_referral',
  'referred',
  'recovery_period',
  'negative_reasonable_grounds',
  'move_on',
  'negative_conclusive_grounds',
  'exited',
] as const satisfies readonly CaseStage[];

/** The decision in force when a child left the NRM: the register's outcome for those who have. */
export const EXIT_OUTCOMES = [
  'conclusive_grounds_positive',
  'conclusive_grounds_negative',
  'reasonable_grounds_positive',
  'reasonable_grounds_negative',
  'no_decision',
] as const;
export type ExitOutcome = (typeof EXIT_OUTCOMES)[number];

/**
 * The children's register: at any moment, per local authority area, the open cases of children
 * (identified as under 18, not closed) by stage; of those who have left the NRM, the decision in
 * force when they left; and how many are reported missing now. Each case is in the cells where it
 * stands now, not where it has been. Read as counts only.
 */
export function childrenRegisterProjection(): Projection<RegisterCase> {
  return {
    name: CHILDREN_REGISTER_PROJECTION,
    entityOf: (event) => caseIdOfStream(event.stream),
    initialState: { child: initialCaseState },
    evolve: evolveRegisterCase,
    outputs: (caseId, state) => registerOutputs(caseId, state),
  };
}

function evolveRegisterCase(state: RegisterCase, recorded: ProjectedEvent): RegisterCase {
  if (state.child === null) return state;
  const folded = evolveCase(state.child, recorded as unknown as CaseEvent);
  if (folded === state.child) return state; // an event the case's state ignores (a note)
  return { child: folded.exists && !folded.child ? null : folded };
}

/** The decision in force when the case left the NRM. */
function exitOutcome(state: CaseState): ExitOutcome {
  const decision = state.conclusiveGrounds ?? state.reasonableGrounds;
  if (!decision) return 'no_decision';
  const kind = state.conclusiveGrounds ? 'conclusive_grounds' : 'reasonable_grounds';
  return `${kind}_${decision.outcome}`;
}

function registerOutputs(caseId: string, { child }: RegisterCase): ReadModelOutputs {
  if (!child?.exists || child.closed) return {};
  const stage = stageOf(child);
  const cells = ['total', `stage:${stage}`];
  if (stage === 'exited') cells.push(`exited:${exitOutcome(child)}`);
  if (child.missingSince !== undefined) cells.push('missing');
  const area = child.area ?? 'unspecified';
  return { members: cells.map((cell) => [childrenRegisterKey(area, cell), caseId, 0] as const) };
}
