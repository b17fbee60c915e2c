import { createHash } from 'node:crypto';
import { personalFieldsOfType, subjectOf, valueAt, withValueAt, type PersonalField } from '@app/case-domain';
import type { DataKey, Keyring } from './keyring';
import {
  decrypt,
  fieldAssociatedData,
  isSealedValue,
  parseSealedValue,
  sealFields,
  type FieldSeal,
  type SealedValue,
} from '@app/event-store';

/** Where an event is, for sealing its personal fields and for naming it when one will not open. */
export interface EventLocation {
  readonly eventId: string;
  readonly type: string;
  readonly stream: string;
}

/**
 * A personal field that should open does not: its bytes were altered, or moved from another event
 * or field, or its key is unknown. Names the event, never shows what it holds.
 */
export class SealedFieldUnreadable extends Error {
  override readonly name = 'SealedFieldUnreadable';
  constructor(
    readonly event: EventLocation,
    readonly path: string,
    readonly why: string,
  ) {
    super(
      `The ${path} field of ${event.type} event ${event.eventId} (stream ${event.stream}) cannot be opened: ${why}`,
    );
  }
}

/**
 * An event's data with each personal field (as the domain classifies it) replaced by its sealed
 * value, under the key of the subject it belongs to. Fields already sealed are left as they are.
 * A subject without a key gets one (durably) first. (Appends seal through `SealingEventStore`.)
 */
export async function sealEventData(keyring: Keyring, at: EventLocation, data: unknown): Promise<unknown> {
  return sealFields(at.eventId, data, await sealsFor(keyring, at, data));
}

/**
 * What the store is to seal in an event's data (`EventData.seal`): each personal field, as the
 * domain classifies it, not sealed yet, under its subject's key. A subject without a key gets one
 * (durably) first.
 */
export async function sealsFor(keyring: Keyring, at: EventLocation, data: unknown): Promise<FieldSeal[]> {
  const keys = new Map<string, DataKey>();
  for (const { subject } of fieldsToSeal(at, data)) {
    if (!keys.has(subject)) keys.set(subject, await keyring.keyForSubject(subject));
  }
  return sealsWith(at, data, (subject) => keys.get(subject)) as FieldSeal[];
}

/** What `sealsWithCachedKeys` answers when a subject's key is not in memory (then `sealsFor` fetches it). */
export const NOT_CACHED: unique symbol = Symbol('not cached');

/**
 * `sealsFor` without a wait, when every subject's key is already in the keyring's memory (the
 * common case: every event after a case's first): no promise per event on the append path.
 */
export function sealsWithCachedKeys(
  keyring: Keyring,
  at: EventLocation,
  data: unknown,
): FieldSeal[] | typeof NOT_CACHED {
  return sealsWith(at, data, (subject) => keyring.cachedKeyForSubject(subject));
}

function fieldsToSeal(at: EventLocation, data: unknown): { field: PersonalField; value: unknown; subject: string }[] {
  return personalFieldsOfType(at.type).flatMap((field) => {
    const value = valueAt(data, field.path);
    if (value === undefined || isSealedValue(value)) return [];
    const subject = subjectOf(field.class.subject, at.stream, data);
    if (subject === undefined)
      throw new Error(`${at.type} in ${at.stream} names no subject for ${field.path.join('.')}`);
    return [{ field, value, subject }];
  });
}

function sealsWith(
  at: EventLocation,
  data: unknown,
  keyOf: (subject: string) => DataKey | undefined,
): FieldSeal[] | typeof NOT_CACHED {
  const seals: FieldSeal[] = [];
  for (const { field, subject } of fieldsToSeal(at, data)) {
    const key = keyOf(subject);
    if (!key) return NOT_CACHED;
    seals.push({ path: field.path, keyId: key.keyId, key: key.key });
  }
  return seals;
}

/** An event's data as an authorised reader sees it: personal fields opened, or listed as erased. */
export interface OpenedData {
  readonly data: unknown;
  /** Paths (`personal.name`) whose key was destroyed: the value is shown as `null`. */
  readonly erased: readonly string[];
}

/**
 * Opens the personal fields of an event's data (or of any part of it kept in a read model, with
 * the event's id). `expectedSubject` is who the reader believes the data is about: a sealed value
 * whose key belongs to anyone else is refused, so a swapped ciphertext never shows another person.
 */
export async function openEventData(
  keyring: Keyring,
  at: EventLocation,
  data: unknown,
  expectedSubject?: string,
): Promise<OpenedData> {
  const erased: string[] = [];
  let opened = data;
  for (const field of personalFieldsOfType(at.type)) {
    const value = valueAt(opened, field.path);
    if (value === undefined || !isSealedValue(value)) continue;
    const result = await openField(keyring, at, field, value, expectedSubject);
    if (result === ERASED) erased.push(field.path.join('.'));
    opened = withValueAt(opened, field.path, result === ERASED ? null : result);
  }
  return { data: opened, erased };
}

const ERASED = Symbol('erased');

async function openField(
  keyring: Keyring,
  at: EventLocation,
  field: PersonalField,
  value: SealedValue,
  expectedSubject: string | undefined,
): Promise<unknown> {
  const path = field.path.join('.');
  const parsed = parseSealedValue(value);
  if (!parsed) throw new SealedFieldUnreadable(at, path, 'not a sealed value this version wrote');
  const key = await keyring.keyById(parsed.keyId);
  if (!key) throw new SealedFieldUnreadable(at, path, `its key ${parsed.keyId} is not in the key store`);
  if (expectedSubject !== undefined && key.subject !== expectedSubject) {
    throw new SealedFieldUnreadable(at, path, 'it was sealed for another person');
  }
  if ('destroyed' in key) return ERASED;
  const plain = decrypt(key.key, parsed.bytes, fieldAssociatedData(at.eventId, field.path, parsed.keyId));
  if (!plain) throw new SealedFieldUnreadable(at, path, 'its ciphertext was altered or belongs elsewhere');
  return JSON.parse(plain.toString('utf8')) as unknown;
}

/**
 * An erased person's event data as every reader sees it: each sealed field `null` and listed, without
 * asking for a key. Read paths use it once the case records the erasure, so a process that still
 * holds the destroyed key in its cache (another api replica, for up to the keyring's TTL) shows
 * nothing either.
 */
export function erasedEventData(at: EventLocation, data: unknown): OpenedData {
  const erased: string[] = [];
  let shown = data;
  for (const field of personalFieldsOfType(at.type)) {
    if (!isSealedValue(valueAt(shown, field.path))) continue;
    erased.push(field.path.join('.'));
    shown = withValueAt(shown, field.path, null);
  }
  return { data: shown, erased };
}

/** A personal field of one event that is still in clear (written before sealing), with its value. */
export interface PlainField {
  readonly field: PersonalField;
  readonly value: unknown;
}

/** The personal fields (as the domain classifies them) this event's data holds in clear. */
export function plainPersonalFields(type: string, data: unknown): PlainField[] {
  return personalFieldsOfType(type).flatMap((field) => {
    const value = valueAt(data, field.path);
    return value === undefined || value === null || isSealedValue(value) ? [] : [{ field, value }];
  });
}

/** A sealed field's place and bytes, for the digest an erasure records. */
export interface SealedFieldRecord {
  readonly eventId: string;
  readonly path: string;
  readonly keyId: string;
  readonly sha256: string;
}

/** The sealed fields of an event's data under `keyId`. */
export function sealedFieldsUnder(at: EventLocation, data: unknown, keyId: string): SealedFieldRecord[] {
  return personalFieldsOfType(at.type).flatMap((field) => {
    const value = valueAt(data, field.path);
    if (!isSealedValue(value) || parseSealedValue(value)?.keyId !== keyId) return [];
    const sha256 = createHash('sha256').update(value.$sealed).digest('hex');
    return [{ eventId: at.eventId, path: field.path.join('.'), keyId, sha256 }];
  });
}

/**
 * The digest an erasure records: SHA-256 over the sorted `event id | path | SHA-256 of the sealed
 * value` of every ciphertext the destroyed key sealed. Anyone holding the log can recompute it from
 * the stored bytes and see exactly which values became unreadable; it reveals nothing of them.
 */
export function erasureDigest(records: readonly SealedFieldRecord[]): string {
  const lines = records.map((r) => `${r.eventId}|${r.path}|${r.sha256}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
