import {
  maracMeetingDecider,
  maracMeetingStream,
  meetingIdOfStream,
  type MaracMeetingEvent,
  type MaracMeetingState,
} from '@app/case-domain';
import { toDomainEvent } from '@app/command-handling';
import type { EventStore, RecordedEvent } from '@app/event-store';

/** Folds recorded meeting events (upcast first) onto a meeting's state with the meeting's one evolve. */
export function foldMeetingEvents(
  recorded: readonly RecordedEvent[],
  from: MaracMeetingState = maracMeetingDecider.initialState,
): MaracMeetingState {
  let state = from;
  for (const event of recorded) state = maracMeetingDecider.evolve(state, toDomainEvent<MaracMeetingEvent>(event));
  return state;
}

/**
 * The MARAC meetings a batch touched, each folded from its whole stream (a meeting holds a few
 * dozen events, and few are written: not worth holding in memory as cases are). A meeting with an
 * event this code cannot read is left out and logged without its data (its jobs are left as they
 * are); a read that fails fails the batch, which is retried.
 */
export async function touchedMeetings(
  store: Pick<EventStore, 'readStream'>,
  events: readonly RecordedEvent[],
  log: (message: string) => void,
): Promise<Map<string, MaracMeetingState>> {
  const ids = [...new Set(events.map((event) => meetingIdOfStream(event.stream)))].filter(
    (id): id is string => id !== undefined,
  );
  const streams = await Promise.all(ids.map((id) => store.readStream(maracMeetingStream(id))));
  const meetings = new Map<string, MaracMeetingState>();
  ids.forEach((meetingId, index) => {
    try {
      meetings.set(meetingId, foldMeetingEvents(streams[index]!));
    } catch (error) {
      log(
        `reminders: cannot fold ${maracMeetingStream(meetingId)}, its jobs left as they are: ${(error as Error).message}`,
      );
    }
  });
  return meetings;
}
