import type { DeadlineRules } from '@app/read-models';

/**
 * The deadline policy and calendar the read models use. Work in progress: case deadlines come
 * with the domain's deadline policy (`deadlinesFor`), next; until then the deadline-driven queues
 * stay empty and a MARAC action falls due at 09:00 UTC on its date.
 */
export function deadlineRules(): DeadlineRules {
  return { deadlinesOf: () => [], maracActionDueAt: (dueOn) => `${dueOn}T09:00:00.000Z` };
}
