import { readFileSync } from 'node:fs';
import { defaultRetentionPolicy, type RetentionPolicy } from '@app/case-domain';

const UNITS = ['years', 'calendar_days'] as const;

/**
 * The retention policy from `RETENTION_POLICY_FILE` (JSON like `{"reviewAfter": {"amount": 6,
 * "unit": "years"}}`), or the domain's default. Returns the policy or every problem found.
 */
export function loadRetentionPolicy(file: string | undefined): RetentionPolicy | string[] {
  if (file === undefined) return defaultRetentionPolicy;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return [`RETENTION_POLICY_FILE: cannot read ${file} as JSON: ${(error as Error).message}`];
  }
  return parseRetentionPolicy(json);
}

export function parseRetentionPolicy(json: unknown): RetentionPolicy | string[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return ['the retention policy must be a JSON object like {"reviewAfter": {"amount": 6, "unit": "years"}}'];
  }
  const { reviewAfter, ...rest } = json as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return [`the retention policy has unknown fields: ${Object.keys(rest).join(', ')}`];
  if (reviewAfter === undefined) return defaultRetentionPolicy;
  const { amount, unit, ...extra } = (reviewAfter ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (Object.keys(extra).length > 0) problems.push(`reviewAfter has unknown fields: ${Object.keys(extra).join(', ')}`);
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 0 || amount > 100 * 366) {
    problems.push(`reviewAfter.amount must be a whole number from 0, got ${JSON.stringify(amount)}`);
  }
  if (!UNITS.includes(unit as (typeof UNITS)[number])) {
    problems.push(`reviewAfter.unit must be one of ${UNITS.join(', ')}, got ${JSON.stringify(unit)}`);
  }
  if (problems.length > 0) return problems;
  return { reviewAfter: { amount: amount as number, unit: unit as (typeof UNITS)[number] } };
}
