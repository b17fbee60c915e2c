import { randomUUID } from 'node:crypto';
import { CHAIN_HASH_KEY, canonicalJson } from '@app/audit/chain';
import { InvalidEventDataError } from './errors';
import type { EventData } from './event-store.port';
import { decodeSeals, encodeSeals, sealFields, unsealable } from './sealed-values';

export interface SerializedEvent {
  readonly id: string;
  readonly type: string;
  /** The data as given: fields still to seal (`seal`) are in clear here. */
  readonly data: string;
  readonly metadata: string;
  /** `EventData.seal`, as text (`encodeSeals`); '' for none. Applied by `withSealedData` where the event is written. */
  readonly seal: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks and serialises events before they are queued, so one bad event fails only its own
 * append. Ids must be UUIDs (as EventStoreDB requires), so both adapters accept the same input.
 * Data and metadata are written as canonical JSON (keys sorted), the text an event's chain hash
 * covers; `chained: false` (a benchmark's baseline only) writes plain `JSON.stringify` text.
 * The chain hash is the store's own: metadata that brings one is refused. Fields to seal
 * (`EventData.seal`) are checked, and sealed now unless `sealHere` is false (the embedded store's
 * commit thread seals them: `withSealedData`).
 */
export function serializeEvents(events: readonly EventData[], chained = true, sealHere = true): SerializedEvent[] {
  const toText = chained ? canonicalJson : JSON.stringify;
  if (events.length === 0) throw new InvalidEventDataError('An append needs at least one event');
  return events.map((event) => {
    if (!event.type) throw new InvalidEventDataError('Every event needs a type');
    if (event.id !== undefined && !UUID.test(event.id)) {
      throw new InvalidEventDataError(`Event id ${event.id} is not a UUID`);
    }
    if (event.seal && event.seal.length > 0) {
      if (event.id === undefined)
        throw new InvalidEventDataError(
          `A ${event.type} event with fields to seal needs its id: the seal is bound to it`,
        );
      const why = unsealable(event.data, event.seal);
      if (why) throw new InvalidEventDataError(`A ${event.type} event cannot be sealed as asked: ${why}`);
    }
    const sealNow = sealHere && event.seal !== undefined && event.seal.length > 0;
    const id = event.id ?? randomUUID();
    return {
      id,
      type: event.type,
      seal: sealNow ? '' : encodeSeals(event.seal),
      data: toJson(toText, sealNow ? sealFields(id, event.data, event.seal) : event.data, 'data', event.type),
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

/**
 * The event as it is stored: each field its `seal` names replaced by its sealed value (the data
 * text written again, canonical when `chained`). Done where the event is written, so the
 * appending thread does no AES: the embedded store's commit thread, EventStoreDB's append.
 */
export function withSealedData(event: SerializedEvent, chained = true): SerializedEvent {
  if (event.seal === '') return event;
  const sealed = sealFields(event.id, JSON.parse(event.data), decodeSeals(event.seal));
  return { ...event, data: chained ? canonicalJson(sealed) : JSON.stringify(sealed), seal: '' };
}
