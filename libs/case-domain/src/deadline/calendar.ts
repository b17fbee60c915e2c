import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import type { LocalDate } from '../shared/local-date';

/**
 * Dates and times as a deadline counts them: which days are working days, and what instant a
 * time of day on a date is, in the calendar's time zone. Pure: no clock is read.
 */
export interface WorkingDayCalendar {
  /** The IANA time zone its dates are in (`Europe/London`). */
  readonly zone: string;
  readonly isWorkingDay: (date: LocalDate) => boolean;
  readonly addCalendarDays: (date: LocalDate, days: number) => LocalDate;
  /**
   * `days` working days after `date` (before it when negative): the day the count lands on is
   * always a working day, whatever `date` is; zero gives `date` itself.
   */
  readonly addWorkingDays: (date: LocalDate, days: number) => LocalDate;
  /** The instant (ISO 8601 UTC, `toISOString()` form) it is `time` (`HH:MM`) on `date` in the zone. */
  readonly atLocalTime: (date: LocalDate, time: string) => string;
  /** The date it is in the zone at `instant`. */
  readonly dateAt: (instant: string) => LocalDate;
}

export const LONDON = 'Europe/London';

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * England and Wales: Saturdays, Sundays and bank holidays are not working days; dates are in
 * Europe/London. Bank holidays come from `date-holidays` (GB, England), whose rules carry the
 * substitute days (Boxing Day 2026 on Monday 28 December) and the one-offs (the 2022 state
 * funeral, the 2023 coronation), checked against gov.uk's list; no hand-kept table to go stale.
 * Time zone arithmetic is luxon's, on the platform's tz data, so BST changes are never hand-rolled.
 */
export function englandAndWalesCalendar(): WorkingDayCalendar {
  const holidays = new Holidays('GB', 'ENG');
  const byYear = new Map<number, ReadonlySet<string>>();
  const bankHolidays = (year: number): ReadonlySet<string> => {
    let dates = byYear.get(year);
    if (!dates) {
      dates = new Set(
        holidays
          .getHolidays(year)
          .filter((holiday) => holiday.type === 'public')
          .map((holiday) => holiday.date.slice(0, 10)),
      );
      byYear.set(year, dates);
    }
    return dates;
  };
  // Every answer is a pure function of its arguments, and cases share dates: each is worked out
  // (by luxon, which is slow) once per calendar and then remembered.
  const isWorkingDay = memoized((date: LocalDate): boolean => {
    const day = dateOnly(date);
    return day.weekday <= 5 && !bankHolidays(day.year).has(date);
  });
  const addDays = memoized2(addCalendarDays);
  const addWorkingDays = memoized2((date: LocalDate, days: number): LocalDate => {
    if (!Number.isInteger(days)) throw new RangeError(`working days must be whole, not ${days}`);
    const step = days < 0 ? -1 : 1;
    let current = date;
    for (let left = Math.abs(days); left > 0;) {
      current = addDays(current, step);
      if (isWorkingDay(current)) left -= 1;
    }
    return current;
  });
  const atLocalTimeHere = memoized2((date: LocalDate, time: string) => atLocalTime(LONDON, date, time));
  return {
    zone: LONDON,
    isWorkingDay,
    addCalendarDays: addDays,
    addWorkingDays,
    atLocalTime: atLocalTimeHere,
    dateAt: memoized((instant: string) => dateAt(LONDON, instant)),
  };
}

/** Answers kept per calendar before the memory is cleared and refilled (a few MB at most). */
const MEMORY_LIMIT = 100_000;

/** `fn` remembering its answers (never its errors: those are thrown again each time). */
function memoized<R>(fn: (key: string) => R): (key: string) => R {
  const answers = new Map<string, R>();
  return (key) => {
    let answer = answers.get(key);
    if (answer === undefined && !answers.has(key)) {
      answer = fn(key);
      if (answers.size >= MEMORY_LIMIT) answers.clear();
      answers.set(key, answer);
    }
    return answer as R;
  };
}

function memoized2<B extends string | number, R>(fn: (key: string, b: B) => R): (key: string, b: B) => R {
  const answers = new Map<string, R>();
  return (a, b) => {
    const key = `${a}\u0000${b}`;
    let answer = answers.get(key);
    if (answer === undefined && !answers.has(key)) {
      answer = fn(a, b);
      if (answers.size >= MEMORY_LIMIT) answers.clear();
      answers.set(key, answer);
    }
    return answer as R;
  };
}

let shared: WorkingDayCalendar | undefined;

/** One England and Wales calendar for callers that do not pass their own (its holiday cache is shared). */
export function defaultWorkingDayCalendar(): WorkingDayCalendar {
  shared ??= englandAndWalesCalendar();
  return shared;
}

/** `days` calendar days after `date` (before it when negative); no time zone is involved. */
export function addCalendarDays(date: LocalDate, days: number): LocalDate {
  if (!Number.isInteger(days)) throw new RangeError(`calendar days must be whole, not ${days}`);
  return dateOnly(date).plus({ days }).toISODate()!;
}

/** The instant it is `time` (`HH:MM`) on `date` in `zone`: 08:00Z in summer and 09:00Z in winter for 09:00 London. */
export function atLocalTime(zone: string, date: LocalDate, time: string): string {
  if (!TIME_OF_DAY.test(time)) throw new RangeError(`time of day must be HH:MM, not '${time}'`);
  const local = DateTime.fromISO(`${date}T${time}`, { zone });
  if (!local.isValid) throw new RangeError(`no such local time: ${date} ${time} in ${zone}`);
  return local.toUTC().toISO();
}

/** The date it is in `zone` at `instant`. */
export function dateAt(zone: string, instant: string): LocalDate {
  return parseInstant(instant).setZone(zone).toISODate()!;
}

/** Europe/London's instant for a time of day on a date (see `atLocalTime`). */
export const atLondonTime = (date: LocalDate, time: string): string => atLocalTime(LONDON, date, time);

/** The date in Europe/London at an instant. */
export const londonDate = (instant: string): LocalDate => dateAt(LONDON, instant);

const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * `parseInstant(instant).toMillis()`, without luxon for the `toISOString()` form that the store
 * and the deadlines write (which `Date` reads exactly; anything else goes through `parseInstant`).
 */
export function instantMillis(instant: string): number {
  if (CANONICAL_INSTANT.test(instant)) {
    const ms = Date.parse(instant);
    if (!Number.isNaN(ms) && new Date(ms).toISOString() === instant) return ms;
  }
  return parseInstant(instant).toMillis();
}

/** An ISO 8601 instant (with `Z` or an offset), refused when it is not one. */
export function parseInstant(instant: string): DateTime {
  const parsed = DateTime.fromISO(instant, { zone: 'utc', setZone: false });
  if (!parsed.isValid) throw new RangeError(`not an ISO 8601 instant: '${instant}'`);
  return parsed.toUTC();
}

function dateOnly(date: LocalDate): DateTime {
  const parsed = DateTime.fromISO(date, { zone: 'utc' });
  if (!parsed.isValid || parsed.toISODate() !== date) throw new RangeError(`not a YYYY-MM-DD date: '${date}'`);
  return parsed;
}
