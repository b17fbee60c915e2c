import type { CaseEventType } from '../case/case-events';
import type { CaseReadAccess } from './read-access';

/** The personal parts a case holds, each with its own rule for who sees it. */
export type PersonalPart = 'details' | 'placementAddress' | 'noteText';

/**
 * Which personal part each event keeps under `data.personal` (the events keep personal data there
 * and only there, apart from the facts of the pathway).
 */
export const PERSONAL_PART_OF_EVENT: Readonly<Partial<Record<CaseEventType, PersonalPart>>> = {
  PotentialVictimIdentified: 'details',
  SafeHousePlacementStarted: 'placementAddress',
  SafeHousePlacementMoved: 'placementAddress',
  NoteAdded: 'noteText',
};

/**
 * May this reader see this part? Name, aliases, date of birth, contact and note text go with
 * personal details (the case's own agency, an auditor with a reason); the safe-house address only
 * with the owning agency. A part nobody classified is shown only to someone who may see them all.
 */
export function mayShow(access: CaseReadAccess, part: PersonalPart | undefined): boolean {
  switch (part) {
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

/** An event's data as this reader may see it: its `personal` part removed unless `redact` lets it through. */
export function redactEventData(type: string, data: unknown, access: CaseReadAccess): unknown {
  if (!data || typeof data !== 'object' || !('personal' in data)) return data;
  const { personal, ...facts } = data;
  const shown = redact(access, PERSONAL_PART_OF_EVENT[type as CaseEventType], personal);
  return shown === undefined ? facts : { ...facts, personal: shown };
}
