import { addCalendarDays, englandAndWalesCalendar } from './calendar';

const calendar = englandAndWalesCalendar();

/** England and Wales bank holidays as gov.uk publishes them (www.gov.uk/bank-holidays). */
const GOV_UK_BANK_HOLIDAYS: Record<number, string[]> = {
  2022: ['01-03', '04-15', '04-18', '05-02', '06-02', '06-03', '08-29', '09-19', '12-26', '12-27'],
  2023: ['01-02', '04-07', '04-10', '05-01', '05-08', '05-29', '08-28', '12-25', '12-26'],
  2024: ['01-01', '03-29', '04-01', '05-06', '05-27', '08-26', '12-25', '12-26'],
  2025: ['01-01', '04-18', '04-21', '05-05', '05-26', '08-25', '12-25', '12-26'],
  2026: ['01-01', '04-03', '04-06', '05-04', '05-25', '08-31', '12-25', '12-28'],
  2027: ['01-01', '03-26', '03-29', '05-03', '05-31', '08-30', '12-27', '12-28'],
};

describe('the England and Wales working-day calendar (Europe/London)', () => {
  it.each(Object.entries(GOV_UK_BANK_HOLIDAYS))(
    'in %s, the weekdays that are not working days are exactly gov.uk’s bank holidays',
    (year, holidays) => {
      const closedWeekdays: string[] = [];
      for (let day = `${year}-01-01`; day.startsWith(year); day = addCalendarDays(day, 1)) {
        const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
        if (weekday !== 0 && weekday !== 6 && !calendar.isWorkingDay(day)) closedWeekdays.push(day.slice(5));
      }
      expect(closedWeekdays).toEqual(holidays);
    },
  );

  it('skips weekends: the working day after Friday is Monday, and before Monday is Friday', () => {
    expect(calendar.addWorkingDays('2026-01-16', 1)).toBe('2026-01-19');
    expect(calendar.addWorkingDays('2026-01-19', -1)).toBe('2026-01-16');
    expect(calendar.isWorkingDay('2026-01-17')).toBe(false);
  });

  it('counts from a weekend to the next working day, and zero days is the day itself', () => {
    expect(calendar.addWorkingDays('2026-01-17', 1)).toBe('2026-01-19');
    expect(calendar.addWorkingDays('2026-01-17', 0)).toBe('2026-01-17');
  });

  it('skips Good Friday and Easter Monday 2026 both ways', () => {
    expect(calendar.addWorkingDays('2026-04-02', 1)).toBe('2026-04-07');
    expect(calendar.addWorkingDays('2026-04-07', -1)).toBe('2026-04-02');
  });

  it('skips Christmas 2026 and the Boxing Day substitute on Monday 28 December', () => {
    expect(calendar.addWorkingDays('2026-12-24', 1)).toBe('2026-12-29');
    expect(calendar.addWorkingDays('2026-12-31', 1)).toBe('2027-01-04');
  });

  it('adds calendar days across month and year ends and leap days', () => {
    expect(calendar.addCalendarDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(calendar.addCalendarDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(calendar.addCalendarDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(calendar.addCalendarDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('puts 09:00 London at 09:00Z in winter and 08:00Z in summer, either side of each 2026 clock change', () => {
    expect(calendar.atLocalTime('2026-03-28', '09:00')).toBe('2026-03-28T09:00:00.000Z');
    expect(calendar.atLocalTime('2026-03-29', '09:00')).toBe('2026-03-29T08:00:00.000Z');
    expect(calendar.atLocalTime('2026-10-24', '09:00')).toBe('2026-10-24T08:00:00.000Z');
    expect(calendar.atLocalTime('2026-10-25', '09:00')).toBe('2026-10-25T09:00:00.000Z');
  });

  it('gives the London date of an instant (a summer evening in UTC is already tomorrow)', () => {
    expect(calendar.dateAt('2026-06-30T23:30:00Z')).toBe('2026-07-01');
    expect(calendar.dateAt('2026-12-31T23:30:00Z')).toBe('2026-12-31');
  });

  it('refuses a time of day or a date it cannot read, rather than giving a wrong instant', () => {
    expect(() => calendar.atLocalTime('2026-06-01', '9am')).toThrow(RangeError);
    expect(() => calendar.atLocalTime('2026-02-30', '09:00')).toThrow(RangeError);
    expect(() => calendar.addWorkingDays('2026-06-01', 1.5)).toThrow(RangeError);
  });
});
