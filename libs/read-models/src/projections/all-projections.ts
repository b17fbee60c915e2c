import type { CaseState, LocalDate } from '@app/case-domain';
import type { Projection } from '../engine/projection';
import { caseViewProjection, type ViewDeadline } from './case-view/case-view.projection';
import { childrenRegisterProjection } from './children-register/children-register.projection';
import { maracProjection } from './marac/marac.projection';
import { problemProfileProjection } from './problem-profile/problem-profile.projection';

/** The deadline policy as the read models use it (the domain's `deadlinesFor` with a policy and calendar). */
export interface DeadlineRules {
  deadlinesOf(state: CaseState): readonly ViewDeadline[];
  maracActionDueAt(dueOn: LocalDate): string;
  /** When a case falls due for an erasure review under the retention policy (`undefined`: not). */
  erasureReviewDueOn(state: CaseState): LocalDate | undefined;
}

/** Every read model the api queries. Change what they show (or the policy): rebuild. */
export function readModelProjections(rules: DeadlineRules): Projection[] {
  return [
    caseViewProjection(
      (state) => rules.deadlinesOf(state),
      (state) => rules.erasureReviewDueOn(state),
    ),
    maracProjection((dueOn) => rules.maracActionDueAt(dueOn)),
    problemProfileProjection(),
    childrenRegisterProjection(),
  ] as Projection[];
}
