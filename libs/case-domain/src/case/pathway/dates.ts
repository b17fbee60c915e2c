import { isAfter, isBefore, londonDateOf, shiftYears, type LocalDate } from '../../shared/local-date';
import { ensure } from '../../shared/rule-broken';

/**
 * The domain page's date rule: a recorded date is not in the future (in Europe/London) and not
 * before the events it depends on (`notBefore`, those that happened; undefined ones are skipped).
 */
export function ensureDate(date: LocalDate, now: Date, ...notBefore: (LocalDate | undefined)[]): void {
  const today = londonDateOf(now);
  ensure(!isAfter(date, today), 'date-in-future', `${date} is after today (${today})`);
  for (const earlier of notBefore) {
    if (earlier) ensure(!isBefore(date, earlier), 'date-before-earlier-event', `${date} is before ${earlier}`);
  }
}

/**
 * The meeting-date rule: a MARAC meeting is scheduled at most a year ahead of today (in
 * Europe/London), or recorded at most a year after it was held. Further out is a slip of the
 * keyboard (9999-12-31, 1800-01-01), not a meeting, and would sit on every agenda and queue.
 */
export function ensureMeetingDateWithinAYear(meetsOn: LocalDate, now: Date): void {
  const today = londonDateOf(now);
  const earliest = shiftYears(today, -1);
  const latest = shiftYears(today, 1);
  ensure(
    !isBefore(meetsOn, earliest) && !isAfter(meetsOn, latest),
    'meeting-date-outside-window',
    `${meetsOn} is not between ${earliest} and ${latest}`,
  );
}
