import { defaultDeadlinePolicy, englandAndWalesCalendar, maracActionDeadline } from '@app/case-domain';
import { deadlineRules } from './deadline-rules';

describe('deadlineRules', () => {
  it('puts a MARAC action due when its deadline falls due, in winter and in summer time, for any policy', () => {
    const calendar = englandAndWalesCalendar();
    for (const policy of [defaultDeadlinePolicy, { ...defaultDeadlinePolicy, timeOfDay: '17:30' }]) {
      const rules = deadlineRules(policy);
      // Either side of both clock changes of 2026, a bank holiday and a weekend day.
      for (const dueOn of ['2026-01-15', '2026-03-28', '2026-03-30', '2026-05-25', '2026-10-24', '2026-10-26']) {
        const expected = maracActionDeadline({ actionId: 'a', dueOn }, policy, calendar).dueAt;
        expect(rules.maracActionDueAt(dueOn)).toBe(expected);
      }
    }
    // 09:00 in London, in summer time.
    expect(deadlineRules().maracActionDueAt('2026-07-01')).toBe('2026-07-01T08:00:00.000Z');
  });
});
