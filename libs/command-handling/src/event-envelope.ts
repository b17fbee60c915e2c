import { currentSchemaVersion, upcast, type Actor } from '@app/case-domain';
import type { EventData, RecordedEvent } from '@app/event-store';

/** What every event's metadata records: who, why (correlation and causation), when, which schema. */
export interface EventMetadata {
  readonly actor: { readonly userId: string; readonly role: string; readonly agency: string };
  readonly correlationId: string;
  readonly causationId: string;
  /** The server clock when the command was handled. */
  readonly recordedAt: string;
  readonly schemaVersion: number;
  /** The client's Idempotency-Key, if it sent one: a retry finds it and writes nothing new. */
  readonly idempotencyKey?: string;
  /** With the key: the SHA-256 of the command it was used for, so the key cannot replay another command. */
  readonly commandDigest?: string;
  /** The command that produced the event, for the audit trail. */
  readonly command: string;
}

export interface DomainEvent {
  readonly type: string;
  readonly data: unknown;
}

export function toEventData(event: DomainEvent, metadata: Omit<EventMetadata, 'schemaVersion'>): EventData {
  return {
    type: event.type,
    data: event.data,
    metadata: { ...metadata, schemaVersion: currentSchemaVersion(event.type) },
  };
}

/** A recorded event as the domain reads it: at the current schema version of its type. */
export function toDomainEvent<Event extends DomainEvent>(recorded: RecordedEvent): Event {
  const metadata = metadataOf(recorded);
  const stored = { recordedAt: metadata?.recordedAt ?? recorded.recordedAt.toISOString() };
  return {
    type: recorded.type,
    data: upcast(recorded.type, recorded.data, metadata?.schemaVersion ?? 1, stored),
  } as Event;
}

export function metadataOf(recorded: RecordedEvent): Partial<EventMetadata> | undefined {
  return typeof recorded.metadata === 'object' && recorded.metadata !== null ? recorded.metadata : undefined;
}

export function actorOf(actor: Actor): EventMetadata['actor'] {
  // In canonical order (see handleCommand's metadata).
  return { agency: actor.agency.id, role: actor.role, userId: actor.userId };
}
