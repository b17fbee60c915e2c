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
) {
  return (...given: Event[]) => ({
    when: (command: Command, override: Partial<DecisionContext> = {}) => {
      const run = () => decider.decide(command, fold(decider, given), { ...context, ...override });
      return {
        then: (expected: Event[]) => expect(run()).toEqual(expected),
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
