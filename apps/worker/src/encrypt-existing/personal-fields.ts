import { randomBytes } from 'node:crypto';
import { EVENT_CLASSIFICATION, personalFieldsOfType, subjectOf, withValueAt } from '@app/case-domain';
import {
  isDestroyed,
  plainPersonalFields,
  type PlainField,
  type EventLocation,
  type Keyring,
} from '@app/personal-data';
import { sealedValue } from '@app/event-store';

/** Whether this event type has personal fields at all (to tell "already sealed" from "nothing to seal"). */
export function hasPersonalFields(type: string): boolean {
  return personalFieldsOfType(type).length > 0;
}

/**
 * The fields whose subject's key was destroyed (the person's data was erased while these copies
 * were still in clear), written as sealed under that destroyed key: nobody can open them, and every
 * read path shows them as erased, as it does the fields sealed before the erasure. The rest are left
 * for `sealEventData`. Returns how many were written as erased.
 */
export async function markErasedSubjects(
  keyring: Keyring,
  at: EventLocation,
  data: unknown,
): Promise<{ data: unknown; erased: number }> {
  let marked = data;
  let erased = 0;
  for (const { field } of plainPersonalFields(at.type, data)) {
    const subject = subjectOf(field.class.subject, at.stream, data);
    const key = subject === undefined ? undefined : await keyring.store.bySubject(subject);
    if (!isDestroyed(key)) continue;
    // Random bytes in the place of a ciphertext: the key that could have opened them no longer exists.
    marked = withValueAt(marked, field.path, sealedValue(key.keyId, randomBytes(28)));
    erased++;
  }
  return { data: marked, erased };
}

/** Field names some event uses for a fact (kept in clear): a personal value is only looked for under other names. */
const FACT_FIELD_NAMES: ReadonlySet<string> = new Set(factFieldNames(EVENT_CLASSIFICATION));

function factFieldNames(shape: object): string[] {
  return Object.entries(shape).flatMap(([name, entry]: [string, object]) =>
    'kind' in entry ? (entry.kind === 'fact' ? [name] : []) : factFieldNames(entry),
  );
}

/**
 * The bytes a plain field had in the old store's JSON (`"name":"…"`), to look for in the new
 * file: the field name in front keeps a personal value from matching an equal fact elsewhere.
 * `undefined` for a field whose name is also a fact's, or whose value is too short to be telling.
 */
export function storedBytesOf({ field, value }: PlainField): Buffer | undefined {
  const name = field.path[field.path.length - 1]!;
  const json = JSON.stringify(value);
  if (FACT_FIELD_NAMES.has(name) || json.length < 8) return undefined;
  return Buffer.from(`${JSON.stringify(name)}:${json}`, 'utf8');
}
