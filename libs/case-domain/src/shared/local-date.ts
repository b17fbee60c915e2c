/** A calendar date in Europe/London, as `YYYY-MM-DD`: how decisions and placements are dated. */
export type LocalDate = string;

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD` (not 2026-02-30). */
export function isLocalDate(value: string): value is LocalDate {
  const match = PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The date it is in Europe/London at `instant` (Intl's tz data, not hand-rolled offsets). */
export function londonDateOf(instant: Date): LocalDate {
  return LONDON_DATE.format(instant);
}

// Built once: constructing an Intl.DateTimeFormat costs far more than formatting with one.
const LONDON_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * The first day of the National Referral Mechanism (1 April 2009): no pathway event (an
 * identification, a referral, a decision, a meeting) can be dated before it.
 */
export const NRM_BEGAN_ON: LocalDate = '2009-04-01';

/** The earliest date of birth taken as plausible: anything earlier is a typing slip. */
export const EARLIEST_DATE_OF_BIRTH: LocalDate = '1900-01-01';

/** The same day `years` later (or earlier); 29 February becomes 28 February in a common year. */
export function shiftYears(date: LocalDate, years: number): LocalDate {
  const year = String(Number(date.slice(0, 4)) + years).padStart(4, '0');
  const shifted = `${year}${date.slice(4)}`;
  return isLocalDate(shifted) ? shifted : `${year}-02-28`;
}

/** `YYYY-MM-DD` strings order as dates do. */
export const isBefore = (a: LocalDate, b: LocalDate): boolean => a < b;
export const isAfter = (a: LocalDate, b: LocalDate): boolean => a > b;
