import { personalFieldsOfType } from '../personal/classification';
import type { CaseReadAccess } from './read-access';

/**
 * The personal parts a case holds, each with its own rule for who sees it. `caseText` (free text
 * and references, encrypted and erasable like the rest) is shown to whoever may read the case.
 */
export type PersonalPart = 'details' | 'placementAddress' | 'noteText' | 'caseText';

/**
 * May this reader see this part? Name, aliases, date of birth, contact and note text go with
 * personal details (the case's own agency, an auditor with a reason); the safe-house address only
 * with the owning agency. A part nobody classified is shown only to someone who may see them all.
 */
export function mayShow(access: CaseReadAccess, part: PersonalPart | undefined): boolean {
  switch (part) {
    case 'caseText':
      return true;
    case 'details':
    case 'noteText':
      return access.personalDetails;
    case 'placementAddress':
      return access.placementAddress;
    case undefined:
      return access.personalDetails && access.placementAddress;
  }
}

/**
 * THE redaction of a case's personal data: every read path (case view, history, list, queues,
 * agenda, and any replay or export) shows a personal part only through here, so they cannot drift.
 */
export function redact<Value>(access: CaseReadAccess, part: PersonalPart | undefined, value: Value): Value | undefined {
  return mayShow(access, part) ? value : undefined;
}

/**
 * An event's data as this reader may see it: each personal field (as the domain's classification
 * says) removed unless `redact` lets it through. Under `personal`, a field nobody classified is
 * kept only for a reader who may see every part (fail closed); a `personal` left empty is dropped.
 */
export function redactEventData(type: string, data: unknown, access: CaseReadAccess): unknown {
  if (!data || typeof data !== 'object') return data;
  let shown = data as Record<string, unknown>;
  const classified = personalFieldsOfType(type);
  for (const field of classified) {
    if (!mayShow(access, field.class.part)) shown = without(shown, field.path);
  }
  const personal = shown.personal;
  if (personal && typeof personal === 'object') {
    const known = new Set(classified.filter((f) => f.path[0] === 'personal').map((f) => f.path[1]));
    const kept = Object.entries(personal).filter(([name]) => known.has(name) || mayShow(access, undefined));
    const { personal: _dropped, ...facts } = shown;
    shown = kept.length === 0 ? facts : { ...facts, personal: Object.fromEntries(kept) };
  }
  return shown;
}

function without(data: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [step, ...rest] = path;
  if (step === undefined || !(step in data)) return data;
  if (rest.length === 0) {
    const { [step]: _removed, ...others } = data;
    return others;
  }
  const inner = data[step];
  if (!inner || typeof inner !== 'object') return data;
  return { ...data, [step]: without(inner as Record<string, unknown>, rest) };
}
