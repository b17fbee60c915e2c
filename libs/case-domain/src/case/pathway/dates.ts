import { isAfter, isBefore, londonDateOf, type LocalDate } from '../../shared/local-date';
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
