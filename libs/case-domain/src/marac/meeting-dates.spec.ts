import { specification } from '../testing/given-when-then';
import { context } from '../testing/case-fixtures';
import type { ScheduleMaracMeeting } from './meeting-commands';
import type { MaracMeetingEvent } from './meeting-events';
import { maracMeetingDecider } from './meeting';

// The fixtures' clock: 2026-06-15 (10:00 UTC, 11:00 in London).
const given = specification(maracMeetingDecider, context);
const schedule = (meetsOn: string): ScheduleMaracMeeting => ({
  type: 'ScheduleMaracMeeting',
  meetingId: 'm-1',
  area: 'West',
  meetsOn,
  attendingAgencies: ['police-west'],
});
const scheduledOn = (meetsOn: string): MaracMeetingEvent[] => [
  {
    type: 'MaracMeetingScheduled',
    data: { meetingId: 'm-1', area: 'West', meetsOn, attendingAgencies: ['police-west'] },
  },
];

describe('MARAC meeting date: within a year either side of today', () => {
  it('schedules a meeting next month, today, or one held last month and recorded afterwards', () => {
    for (const meetsOn of ['2026-07-08', '2026-06-15', '2026-05-13'])
      given().when(schedule(meetsOn)).then(scheduledOn(meetsOn));
  });

  it('schedules a meeting exactly a year ahead or a year back', () => {
    given().when(schedule('2027-06-15')).then(scheduledOn('2027-06-15'));
    given().when(schedule('2025-06-15')).then(scheduledOn('2025-06-15'));
  });

  it('refuses a meeting more than a year ahead (a typing slip such as 9999-12-31)', () => {
    given().when(schedule('2027-06-16')).thenBreaks('meeting-date-outside-window');
    given().when(schedule('9999-12-31')).thenBreaks('meeting-date-outside-window');
  });

  it('refuses a meeting more than a year back (such as 1800-01-01)', () => {
    given().when(schedule('2025-06-14')).thenBreaks('meeting-date-outside-window');
    given().when(schedule('1800-01-01')).thenBreaks('meeting-date-outside-window');
  });

  it('counts the year from the date in London, not in UTC', () => {
    // 23:30 UTC on 14 June is 00:30 on 15 June in London (BST): a year ahead is 2027-06-15.
    const lateEvening = new Date('2026-06-14T23:30:00Z');
    given().when(schedule('2027-06-15'), { now: lateEvening }).then(scheduledOn('2027-06-15'));
  });

  it('keeps a meeting scheduled on 29 February within a year of 28 February', () => {
    given()
      .when(schedule('2029-02-28'), { now: new Date('2028-02-29T12:00:00Z') })
      .then(scheduledOn('2029-02-28'));
    given()
      .when(schedule('2029-03-01'), { now: new Date('2028-02-29T12:00:00Z') })
      .thenBreaks('meeting-date-outside-window');
  });
});
