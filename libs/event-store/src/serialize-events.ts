import { randomUUID } from 'node:crypto';
import { InvalidEventDataError } from './errors';
import type { EventData } from './event-store.port';

export interface SerializedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks and serialises events before they are queued, so one bad event fails only its own
 * append. Ids must be UUIDs (as EventStoreDB requires), so both adapters accept the same input.
 */
export function serializeEvents(events: readonly EventData[]): SerializedEvent[] {
  if (events.length === 0) throw new InvalidEventDataError('An append needs at least one event');
  return events.map((event) => {
    if (!event.type) throw new InvalidEventDataError('Every event needs a type');
    if (event.id !== undefined && !UUID.test(event.id)) {
      throw new InvalidEventDataError(`Event id ${event.id} is not a UUID`);
    }
    return {
      id: event.id ?? randomUUID(),
      type: event.type,
      data: toJson(event.data, 'data', event.type),
      metadata: toJson(event.metadata ?? {}, 'metadata', event.type),
    };
  });
}

function toJson(value: unknown, part: string, type: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidEventDataError(`The ${part} of a ${type} event is not JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new InvalidEventDataError(`The ${part} of a ${type} event is not JSON`);
  return json;
}
