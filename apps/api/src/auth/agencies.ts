import { readFileSync } from 'node:fs';
import { AGENCY_TYPES, type Agency, type AgencySpoc } from '@app/case-domain';

/**
 * The agencies of a synthetic partnership, used when no AGENCIES_FILE is configured. Flags follow
 * the domain page: police, local authorities, the GLAA and the Home Office are first responders
 * with the duty to notify; some charities are first responders without the duty; health and
 * housing are neither. Children's services serve two synthetic areas (their children's register).
 */
export const DEFAULT_AGENCIES: readonly Agency[] = [
  { id: 'police', type: 'police', firstResponder: true, dutyToNotify: true, spoc: { teamInbox: 'police-mslu-inbox' } },
  {
    id: 'la-adult-services',
    type: 'local_authority_adult_services',
    firstResponder: true,
    dutyToNotify: true,
    spoc: { teamInbox: 'la-adult-safeguarding-hub' },
  },
  {
    id: 'la-childrens-services',
    type: 'local_authority_childrens_services',
    firstResponder: true,
    dutyToNotify: true,
    spoc: { teamInbox: 'la-childrens-front-door' },
    areas: ['West', 'East'],
  },
  { id: 'glaa', type: 'glaa', firstResponder: true, dutyToNotify: true },
  { id: 'home-office', type: 'immigration', firstResponder: true, dutyToNotify: true },
  { id: 'ngo-support', type: 'ngo', firstResponder: true, dutyToNotify: false, spoc: { userId: 'ngo-support-spoc' } },
  { id: 'health', type: 'health', firstResponder: false, dutyToNotify: false, spoc: { userId: 'health-spoc' } },
  {
    id: 'housing',
    type: 'housing',
    firstResponder: false,
    dutyToNotify: false,
    spoc: { teamInbox: 'housing-options' },
  },
];

/** The configured agencies, from a JSON file (an array of agencies) or the built-in set. */
export function loadAgencies(file: string | undefined): ReadonlyMap<string, Agency> {
  const list = file ? parseAgencies(readFileSync(file, 'utf8'), file) : DEFAULT_AGENCIES;
  return new Map(list.map((agency) => [agency.id, agency]));
}

function parseAgencies(text: string, file: string): Agency[] {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected an array of agencies`);
  return parsed.map((entry: unknown, index) => {
    const agency = entry as Partial<Agency>;
    const ok =
      typeof agency.id === 'string' &&
      agency.id.length > 0 &&
      AGENCY_TYPES.includes(agency.type as Agency['type']) &&
      typeof agency.firstResponder === 'boolean' &&
      typeof agency.dutyToNotify === 'boolean' &&
      (agency.spoc === undefined || isSpoc(agency.spoc)) &&
      (agency.areas === undefined ||
        (Array.isArray(agency.areas) && agency.areas.every((area) => typeof area === 'string' && area.length > 0)));
    if (!ok)
      throw new Error(
        `${file}: agency ${index} needs id, type (${AGENCY_TYPES.join('|')}), firstResponder and dutyToNotify,` +
          ' and optionally spoc: {"userId": "..."} or {"teamInbox": "..."} and areas (a list of area names)',
      );
    return agency as Agency;
  });
}

/** Exactly one of a user id or a team inbox id, not empty. */
function isSpoc(spoc: unknown): spoc is AgencySpoc {
  if (!spoc || typeof spoc !== 'object') return false;
  const entries = Object.entries(spoc);
  return (
    entries.length === 1 &&
    (entries[0]![0] === 'userId' || entries[0]![0] === 'teamInbox') &&
    typeof entries[0]![1] === 'string' &&
    entries[0]![1].trim().length > 0
  );
}
