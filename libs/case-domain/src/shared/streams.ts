/**
 * The one place that names the streams: a case is `case-<uuid>`, a MARAC meeting
 * `marac-meeting-<uuid>`. Everything else (command handling, read models, reminders, erasure)
 * goes through these.
 */
export const CASE_STREAM_PREFIX = 'case-';
export const MEETING_STREAM_PREFIX = 'marac-meeting-';

export const caseStream = (caseId: string): string => `${CASE_STREAM_PREFIX}${caseId}`;
export const maracMeetingStream = (meetingId: string): string => `${MEETING_STREAM_PREFIX}${meetingId}`;

/** The case id of a case stream, or `undefined` for any other stream. */
export const caseIdOfStream = (stream: string): string | undefined =>
  stream.startsWith(CASE_STREAM_PREFIX) ? stream.slice(CASE_STREAM_PREFIX.length) : undefined;

/** The meeting id of a MARAC meeting stream, or `undefined` for any other stream. */
export const meetingIdOfStream = (stream: string): string | undefined =>
  stream.startsWith(MEETING_STREAM_PREFIX) ? stream.slice(MEETING_STREAM_PREFIX.length) : undefined;
