import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import type { LocalDate } from '../shared/local-date';

/** Which days are working days. */
export interface WorkingDayCalendar {
  isWorkingDay(date: LocalDate): boolean;
}

/**
 * England and Wales: Saturdays, Sundays and bank holidays are not working days. Bank holidays
 * come from `date-holidays` (GB, England), which carries the substitute days and the one-off
 * holidays (the 2022 state funeral, the 2023 coronation), rather than a hand-kept list.
 */
export function englandAndWalesCalendar(): WorkingDayCalendar {
  const holidays = new Holidays('GB', 'ENG');
  const byYear = new Map<number, Set<string>>();
  const bankHolidays = (year: number) => {
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
  return {
    isWorkingDay: (date) => {
      const day = DateTime.fromISO(date, { zone: 'UTC' });
      return day.weekday <= 5 && !bankHolidays(day.year).has(date);
    },
  };
}

export function addCalendarDays(date: LocalDate, days: number): LocalDate {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

/**
 * `days` working days after `date` (before it when negative): the day the count lands on is
 * always a working day; zero gives `date` itself.
 */
export function addWorkingDays(calendar: WorkingDayCalendar, date: LocalDate, days: number): LocalDate {
  const step = days < 0 ? -1 : 1;
  let current = date;
  for (let left = Math.abs(days); left > 0;) {
    current = addCalendarDays(current, step);
    if (calendar.isWorkingDay(current)) left -= 1;
  }
  return current;
}

/** The instant (ISO 8601, UTC) it is `time` (`HH:MM`) in Europe/London on `date`: 08:00Z in summer, 09:00Z in winter for 09:00. */
export function atLondonTime(date: LocalDate, time: string): string {
  return DateTime.fromISO(`${date}T${time}`, { zone: 'Europe/London' }).toUTC().toISO({ suppressMilliseconds: false })!;
}

/** The date in Europe/London at an instant. */
export function londonDate(instant: string): LocalDate {
  return DateTime.fromISO(instant, { zone: 'utc' }).setZone('Europe/London').toISODate()!;
}
