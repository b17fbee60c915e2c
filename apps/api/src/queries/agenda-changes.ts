import { londonDateOf, type LocalDate } from '@app/case-domain';
import type { CaseViewState } from '@app/read-models';

/** One entry of a case's change log: its event type, when it was recorded, and its business date when it has one. */
export type CaseChange = CaseViewState['changes'][number];

/** What an agenda shows of a case's changes with respect to the area's previous meeting. */
export interface ChangesSinceLastMeeting {
  /** Dated on or after the previous meeting's day: new to the panel. */
  readonly changedSinceLastMeeting: readonly CaseChange[];
  /**
   * Recorded on or after the previous meeting's day about something dated before it: entered
   * after the fact, so the panel did not see it then, but it is not new.
   */
  readonly recordedLate: readonly CaseChange[];
}

/**
 * "Changed since the last meeting", by business date: an entry counts from its business date
 * (`on`), compared with the previous meeting's date; one without a business date from the day it
 * was recorded (in Europe/London, as the domain's dates are). An entry recorded since the meeting
 * about something dated before it is "recorded late", listed apart, never as new. The meeting's own
 * day counts as since: a date says nothing of the hour. With no previous meeting everything is new.
 */
export function changesSinceLastMeeting(
  changes: readonly CaseChange[],
  previousMeetsOn: LocalDate | undefined,
): ChangesSinceLastMeeting {
  if (previousMeetsOn === undefined) return { changedSinceLastMeeting: [...changes], recordedLate: [] };
  const changedSinceLastMeeting: CaseChange[] = [];
  const recordedLate: CaseChange[] = [];
  for (const change of changes) {
    const recordedOn = londonDateOf(new Date(change.at));
    if ((change.on ?? recordedOn) >= previousMeetsOn) changedSinceLastMeeting.push(change);
    else if (recordedOn >= previousMeetsOn) recordedLate.push(change);
  }
  return { changedSinceLastMeeting, recordedLate };
}

/** A change as one line of text: its business date (or the day it was recorded) and its type; late entries say when they were recorded. */
export function changeText(change: CaseChange, late = false): string {
  const recordedOn = londonDateOf(new Date(change.at));
  const text = `${change.on ?? recordedOn} ${change.type}`;
  return late ? `${text} (recorded ${recordedOn})` : text;
}
