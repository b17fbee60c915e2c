import {
  deadlinesFor,
  defaultDeadlinePolicy,
  defaultRetentionPolicy,
  englandAndWalesCalendar,
  erasureReviewDueOn,
  type DeadlinePolicy,
  type RetentionPolicy,
} from '@app/case-domain';
import type { DeadlineRules } from './projections/all-projections';

/**
 * The deadline policy (the domain page's defaults unless given) on the England and Wales
 * calendar, as the read models use it. The read models bake deadlines in: change the policy,
 * run `npm run projections:rebuild`.
 */
export function deadlineRules(
  policy: DeadlinePolicy = defaultDeadlinePolicy,
  retention: RetentionPolicy = defaultRetentionPolicy,
): DeadlineRules {
  const calendar = englandAndWalesCalendar();
  return {
    deadlinesOf: (state) => deadlinesFor(state, policy, calendar),
    // What `maracActionDeadline` gives as `dueAt`, without working out its reminders.
    maracActionDueAt: (dueOn) => calendar.atLocalTime(dueOn, policy.timeOfDay),
    erasureReviewDueOn: (state) => erasureReviewDueOn(state, retention),
  };
}
