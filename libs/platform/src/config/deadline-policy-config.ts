import { readFileSync } from 'node:fs';
import { deadlinePolicyInSeconds, defaultDeadlinePolicy, type DeadlinePolicy, type Length } from '@app/case-domain';

const UNITS: readonly Length['unit'][] = ['calendar_days', 'working_days', 'hours', 'seconds'];
type LengthField = Exclude<keyof DeadlinePolicy, 'timeOfDay' | 'followUps'>;
const LENGTH_FIELDS = Object.keys(defaultDeadlinePolicy).filter(
  (key): key is LengthField => key !== 'timeOfDay' && key !== 'followUps',
);

function lengthProblem(value: unknown, where: string): string | undefined {
  if (typeof value !== 'object' || value === null) return `${where} must be {"amount": n, "unit": "..."}`;
  const { amount, unit, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `${where} has unknown fields: ${Object.keys(rest).join(', ')}`;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
    return `${where}.amount must be a number of at least 0, got ${JSON.stringify(amount)}`;
  }
  if (!UNITS.includes(unit as Length['unit']))
    return `${where}.unit must be one of ${UNITS.join(', ')}, got ${JSON.stringify(unit)}`;
  if ((unit === 'calendar_days' || unit === 'working_days') && !Number.isInteger(amount)) {
    return `${where}.amount must be a whole number of days, got ${amount}`;
  }
  return undefined;
}

/**
 * A deadline policy from JSON: any of the policy's fields (the others keep the domain page's
 * defaults), each length as `{"amount": 45, "unit": "calendar_days"}`. Returns the policy, or
 * every problem found.
 */
export function parseDeadlinePolicy(
  json: unknown,
  base: DeadlinePolicy = defaultDeadlinePolicy,
): DeadlinePolicy | string[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return ['the deadline policy must be a JSON object'];
  const problems: string[] = [];
  const given = json as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (key === 'timeOfDay') {
      if (typeof given.timeOfDay !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(given.timeOfDay)) {
        problems.push(`timeOfDay must be HH:MM (24-hour, Europe/London), got ${JSON.stringify(given.timeOfDay)}`);
      }
    } else if (key === 'followUps') {
      const list = given.followUps;
      if (!Array.isArray(list)) problems.push('followUps must be a list of lengths');
      else
        list.forEach((item, index) =>
          problems.push(...[lengthProblem(item, `followUps[${index}]`)].filter((p) => p !== undefined)),
        );
    } else if ((LENGTH_FIELDS as string[]).includes(key)) {
      const problem = lengthProblem(given[key], key);
      if (problem) problems.push(problem);
    } else {
      problems.push(
        `unknown deadline policy field "${key}" (known: timeOfDay, followUps, ${LENGTH_FIELDS.join(', ')})`,
      );
    }
  }
  return problems.length > 0 ? problems : { ...base, ...given };
}

/**
 * The deadline policy of this deployment: the domain page's defaults, overridden by
 * `DEADLINE_POLICY_FILE` (JSON), then, with `DEADLINE_SECONDS_PER_DAY`, every length turned into
 * seconds (demonstrations and tests watch reminders fire within seconds).
 */
export function loadDeadlinePolicy(
  file: string | undefined,
  secondsPerDay: number | undefined,
): DeadlinePolicy | string[] {
  let policy = defaultDeadlinePolicy;
  if (file) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      return [`DEADLINE_POLICY_FILE ${file} cannot be read as JSON: ${(error as Error).message}`];
    }
    const parsed = parseDeadlinePolicy(json);
    if (Array.isArray(parsed)) return parsed.map((problem) => `DEADLINE_POLICY_FILE ${file}: ${problem}`);
    policy = parsed;
  }
  return secondsPerDay === undefined ? policy : deadlinePolicyInSeconds(secondsPerDay, policy);
}
