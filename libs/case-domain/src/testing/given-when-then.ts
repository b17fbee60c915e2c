import { caseDecider } from '../case/case-decider';
import { withEnteredAt } from '../case/case-state';
import type { DecisionContext } from '../shared/actor';
import { fold, type Decider } from '../shared/decider';
import { PathwayRuleBroken, type RuleName } from '../shared/rule-broken';

/**
 * Given events / when command / then events (or the rule broken): tests that read like the
 * domain page. `context` supplies the actor and the clock.
 */
export function specification<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  context: DecisionContext,
  options: {
    /** What the decider adds to every event it writes in `context` (so `then` need not repeat it). */
    readonly asDecided?: (event: Event, context: DecisionContext) => Event;
  } = {},
) {
  return (...given: Event[]) => ({
    when: (command: Command, override: Partial<DecisionContext> = {}) => {
      const decisionContext = { ...context, ...override };
      const run = () => decider.decide(command, fold(decider, given), decisionContext);
      const asDecided = (event: Event) => options.asDecided?.(event, decisionContext) ?? event;
      return {
        then: (expected: Event[]) => expect(run()).toEqual(expected.map(asDecided)),
        thenBreaks: (rule: RuleName) => {
          let thrown: unknown;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(PathwayRuleBroken);
          expect((thrown as PathwayRuleBroken).rule).toBe(rule);
        },
      };
    },
  });
}

/**
 * Given/when/then on a case: the events `then` lists are as the decider writes them at the
 * context's clock, with `enteredAt` on the deadline-starting ones (checked on its own in
 * decide-case.spec.ts).
 */
export const caseSpecification = (context: DecisionContext) =>
  specification(caseDecider, context, { asDecided: (event, { now }) => withEnteredAt(event, now.toISOString()) });
