/**
 * Events are stored with the schema version of their data (in metadata). Code only ever sees the
 * current version: reading an older one goes through the upcasters below, one version at a time.
 * Change an event's data shape by bumping its version here and adding the step from the old one.
 */

type Data = Record<string, unknown>;

/** What an upcaster may read of the stored event besides its data. */
export interface StoredEvent {
  /** When the event was recorded (its metadata's `recordedAt`, else the store's own time), ISO 8601. */
  readonly recordedAt: string;
}
type Upcaster = (data: Data, stored: StoredEvent) => Data;

/** The version new events of each type are written with; types not listed are at 1. */
export const CURRENT_SCHEMA_VERSIONS: Readonly<Record<string, number>> = {
  PotentialVictimIdentified: 3,
  NrmReferralSubmitted: 2,
  ReasonableGroundsDecisionMade: 2,
  ConclusiveGroundsDecisionMade: 2,
  ReconsiderationDecided: 2,
  SafeHousePlacementStarted: 2,
  SafeHousePlacementMoved: 2,
  ExitedNrm: 2,
  ReportedMissing: 2,
};

export function currentSchemaVersion(type: string): number {
  return CURRENT_SCHEMA_VERSIONS[type] ?? 1;
}

/**
 * The events that start a deadline gained `enteredAt` (when the fact was entered), which folds had
 * taken from the metadata's `recordedAt` before: the same instant, so old and new events fold alike.
 * Copied with `Object.assign`, not `{ ...data, enteredAt }`: on Node 20 (V8 11.3) a spread followed
 * by a key the source lacks makes a hidden class per object, or, once the copy has seen several
 * event types, goes through the runtime: 2.6 times this copy's time, on every old event a rebuild
 * reads (`bench/projections/fold-micro.ts`).
 */
const enteredAtFromRecorded: Upcaster = (data, { recordedAt }) => Object.assign({}, data, { enteredAt: recordedAt });

/** `UPCASTERS[type][n]` turns version n of `type` into version n + 1. */
const UPCASTERS: Readonly<Record<string, Readonly<Record<number, Upcaster>>>> = {
  PotentialVictimIdentified: {
    // v1 recorded a single exploitation type. Many people are exploited in more than one way
    // (labour and criminal, say), and the problem profile counts each, so v2 records a list.
    1: ({ exploitationType, ...rest }) => ({
      ...rest,
      exploitationTypes: typeof exploitationType === 'string' ? [exploitationType] : ['unknown'],
    }),
    2: enteredAtFromRecorded,
  },
  NrmReferralSubmitted: { 1: enteredAtFromRecorded },
  ReasonableGroundsDecisionMade: { 1: enteredAtFromRecorded },
  ConclusiveGroundsDecisionMade: { 1: enteredAtFromRecorded },
  ReconsiderationDecided: { 1: enteredAtFromRecorded },
  SafeHousePlacementStarted: { 1: enteredAtFromRecorded },
  SafeHousePlacementMoved: { 1: enteredAtFromRecorded },
  ExitedNrm: { 1: enteredAtFromRecorded },
  ReportedMissing: { 1: enteredAtFromRecorded },
};

export class UnknownSchemaVersion extends Error {
  override readonly name = 'UnknownSchemaVersion';
}

/** The data of a stored event brought up to the current version of its type. */
export function upcast(type: string, data: unknown, storedVersion: number, stored: StoredEvent): unknown {
  const current = currentSchemaVersion(type);
  if (!Number.isInteger(storedVersion) || storedVersion < 1 || storedVersion > current) {
    throw new UnknownSchemaVersion(`${type} version ${storedVersion} is not known to this code (current: ${current})`);
  }
  let upcasted = data as Data;
  for (let version = storedVersion; version < current; version++) {
    const step = UPCASTERS[type]?.[version];
    if (!step) throw new UnknownSchemaVersion(`no upcaster from ${type} version ${version}`);
    upcasted = step(upcasted, stored);
  }
  return upcasted;
}
