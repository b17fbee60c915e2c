/**
 * Events are stored with the schema version of their data (in metadata). Code only ever sees the
 * current version: reading an older one goes through the upcasters below, one version at a time.
 * Change an event's data shape by bumping its version here and adding the step from the old one.
 */

type Data = Record<string, unknown>;
type Upcaster = (data: Data) => Data;

/** The version new events of each type are written with; types not listed are at 1. */
export const CURRENT_SCHEMA_VERSIONS: Readonly<Record<string, number>> = {
  PotentialVictimIdentified: 2,
};

export function currentSchemaVersion(type: string): number {
  return CURRENT_SCHEMA_VERSIONS[type] ?? 1;
}

/** `UPCASTERS[type][n]` turns version n of `type` into version n + 1. */
const UPCASTERS: Readonly<Record<string, Readonly<Record<number, Upcaster>>>> = {
  PotentialVictimIdentified: {
    // v1 recorded a single exploitation type. Many people are exploited in more than one way
    // (labour and criminal, say), and the problem profile counts each, so v2 records a list.
    1: ({ exploitationType, ...rest }) => ({
      ...rest,
      exploitationTypes: typeof exploitationType === 'string' ? [exploitationType] : ['unknown'],
    }),
  },
};

export class UnknownSchemaVersion extends Error {
  override readonly name = 'UnknownSchemaVersion';
}

/** The data of a stored event brought up to the current version of its type. */
export function upcast(type: string, data: unknown, storedVersion: number): unknown {
  const current = currentSchemaVersion(type);
  if (!Number.isInteger(storedVersion) || storedVersion < 1 || storedVersion > current) {
    throw new UnknownSchemaVersion(`${type} version ${storedVersion} is not known to this code (current: ${current})`);
  }
  let upcasted = data as Data;
  for (let version = storedVersion; version < current; version++) {
    const step = UPCASTERS[type]?.[version];
    if (!step) throw new UnknownSchemaVersion(`no upcaster from ${type} version ${version}`);
    upcasted = step(upcasted);
  }
  return upcasted;
}
