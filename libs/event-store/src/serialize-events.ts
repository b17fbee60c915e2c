import { randomUUID } from 'node:crypto';
import { CHAIN_HASH_KEY, canonicalJson } from '@app/audit/chain';
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
 * Data and metadata are written as canonical JSON (keys sorted), the text an event's chain hash
 * covers; `chained: false` (a benchmark's baseline only) writes plain `JSON.stringify` text.
 * The chain hash is the store's own: metadata that brings one is refused.
 */
export function serializeEvents(events: readonly EventData[], chained = true): SerializedEvent[] {
  const toText = chained ? canonicalJson : JSON.stringify;
  if (events.length === 0) throw new InvalidEventDataError('An append needs at least one event');
  return events.map((event) => {
    if (!event.type) throw new InvalidEventDataError('Every event needs a type');
    if (event.id !== undefined && !UUID.test(event.id)) {
      throw new InvalidEventDataError(`Event id ${event.id} is not a UUID`);
    }
    return {
      id: event.id ?? randomUUID(),
      type: event.type,
      data: toJson(toText, event.data, 'data', event.type),
      metadata: toJson(
        toText,
        chained ? chainableMetadata(event.metadata ?? {}, event.type) : (event.metadata ?? {}),
        'metadata',
        event.type,
      ),
    };
  });
}

/** Metadata the chain hash can be added to: an object without one. */
function chainableMetadata(metadata: unknown, type: string): unknown {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new InvalidEventDataError(`The metadata of a ${type} event must be a JSON object`);
  }
  if (Object.hasOwn(metadata, CHAIN_HASH_KEY)) {
    throw new InvalidEventDataError(
      `The metadata of a ${type} event has a ${CHAIN_HASH_KEY}: that key is the store's own (it chains the events)`,
    );
  }
  return metadata;
}

function toJson(toText: (value: unknown) => string | undefined, value: unknown, part: string, type: string): string {
  let json: string | undefined;
  try {
    json = toText(value);
  } catch (error) {
    throw new InvalidEventDataError(`The ${part} of a ${type} event is not JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new InvalidEventDataError(`The ${part} of a ${type} event is not JSON`);
  return json;
}
