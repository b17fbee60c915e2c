import { DateTime } from 'luxon';

/**
 * Fixture dates derived from the clock, never written as calendar dates: the servers under test
 * run on the same clock (the real one, or libfaketime's when the suite is run under `faketime`),
 * so a case identified `today()` has no deadline falling due while its test runs, and a deadline
 * a test wants past (`daysAgo`) is past on whatever day the suite runs.
 *
 * Dates are Europe/London's, as the domain's are: after 23:00 UTC in summer London is already on
 * the next day. Computed here with luxon rather than with the domain's own helpers, so a test does
 * not share the code it checks.
 */
const LONDON = 'Europe/London';

const londonNow = (): DateTime => DateTime.now().setZone(LONDON);

/** The date it is now in Europe/London, `YYYY-MM-DD`. */
export const today = (): string => londonNow().toISODate()!;

/** The London date `n` calendar days before today. */
export const daysAgo = (n: number): string => londonNow().minus({ days: n }).toISODate()!;

/** The London date `n` calendar days after today. */
export const daysAhead = (n: number): string => londonNow().plus({ days: n }).toISODate()!;

/** `n` calendar days after `date` (before it when negative). */
export const addDays = (date: string, n: number): string =>
  DateTime.fromISO(date, { zone: LONDON }).plus({ days: n }).toISODate()!;

/** The month (`YYYY-MM`) `n` months before the one `date` is in. */
export const monthsBefore = (date: string, n: number): string =>
  DateTime.fromISO(date, { zone: LONDON }).startOf('month').minus({ months: n }).toFormat('yyyy-MM');
