import Database from 'better-sqlite3';
import { canonicalJson, chainHashOf, GENESIS_HASH, withChainHash } from '@app/audit';
import { isClassifiedEventType } from '@app/case-domain';
import { SqliteEventStore, type RecordedEvent } from '@app/event-store';
import { SubjectErased, sealEventData, type EventLocation, type Keyring } from '@app/personal-data';
import { plainPersonalFields } from '@app/personal-data';
import { hasPersonalFields, markErasedSubjects, storedBytesOf } from './personal-fields';

/** What a first read of the old store found. */
export interface Survey {
  readonly events: number;
  /**
   * `commandDigest`s in the metadata of events whose personal fields were written in clear: plain
   * SHA-256 of a command holding those fields, which would let anyone holding the log confirm a
   * guess of them (the app now keys the digest with the person's key). They are not carried over.
   */
  readonly unkeyedDigests: ReadonlySet<string>;
  /** The stored bytes of the first plain personal values, to look for in the new file. */
  readonly samples: readonly Buffer[];
}

const SAMPLES = 50;

export async function survey(source: SqliteEventStore): Promise<Survey> {
  let events = 0;
  const unkeyedDigests = new Set<string>();
  const samples: Buffer[] = [];
  for await (const event of source.readAll()) {
    events++;
    const plain = plainPersonalFields(event.type, event.data);
    if (plain.length === 0) continue;
    const digest = digestOf(event.metadata);
    if (digest !== undefined) unkeyedDigests.add(digest);
    for (const field of plain) {
      const bytes = samples.length < SAMPLES ? storedBytesOf(field) : undefined;
      if (bytes) samples.push(bytes);
    }
  }
  return { events, unkeyedDigests, samples };
}

export interface CopyResult {
  readonly events: number;
  readonly sealedFields: number;
  /** Plain fields of people whose key was destroyed, written as erased. */
  readonly erasedFields: number;
  /** Events whose personal fields were all sealed already (written by the app after the change). */
  readonly alreadySealed: number;
  readonly digestsRemoved: number;
  /** Event types the domain does not classify: copied as they were (there is nothing known to seal). */
  readonly unclassifiedTypes: ReadonlySet<string>;
}

const PAGE = 1_000;

/**
 * Copies every event of `source`, in `$all` order, into the empty store file `target`, sealing
 * each personal field still in clear. Each event keeps its id, stream, revision, global position,
 * metadata and recorded-at exactly (rows are written as they were, so the new file reads as the
 * old one did, positions included, and read-model checkpoints mean the same in both). A page of
 * events is sealed together, so the new people's keys of a page are stored in one transaction, and
 * written in one transaction after them: no sealed value is on disk before its key.
 *
 * Each event is chained afresh over its new (sealed) bytes, as the adapter chains what it appends:
 * the copy's hash chains start at this migration (the old chains, verified before the copy, cover
 * bytes the copy no longer holds).
 */
export async function copySealed(
  source: SqliteEventStore,
  target: string,
  keyring: Keyring,
  found: Survey,
  progress: (copied: number) => void,
): Promise<CopyResult> {
  // The adapter creates the file with its own schema; rows are then written as they were read.
  await new SqliteEventStore(target).close();
  const db = new Database(target, { fileMustExist: true });
  const counts = { events: 0, sealedFields: 0, erasedFields: 0, alreadySealed: 0, digestsRemoved: 0 };
  const unclassifiedTypes = new Set<string>();
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const insert = db.prepare(
      'INSERT INTO events (position, stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const writePage = db.transaction((rows: unknown[][]) => rows.forEach((row) => insert.run(...row)));
    let page: RecordedEvent[] = [];
    const heads = new Map<string, string>();
    const flush = async () => {
      const copies = await Promise.all(
        page.map(async (event) => {
          const { data, sealed, erased } = await sealPlainFields(keyring, event);
          counts.sealedFields += sealed;
          counts.erasedFields += erased;
          if (sealed + erased === 0 && hasPersonalFields(event.type)) counts.alreadySealed++;
          if (!isClassifiedEventType(event.type)) unclassifiedTypes.add(event.type);
          const metadata = withoutUnkeyedDigest(event.metadata, found.unkeyedDigests);
          if (metadata !== event.metadata) counts.digestsRemoved++;
          return { event, data, metadata };
        }),
      );
      const rows = copies.map(({ event, data, metadata }) => {
        const content = {
          stream: event.stream,
          revision: event.revision,
          type: event.type,
          dataJson: canonicalJson(data),
          metadataJson: canonicalJson(metadata ?? {}),
        };
        const hash = chainHashOf(heads.get(event.stream) ?? GENESIS_HASH, content);
        heads.set(event.stream, hash);
        return [
          Number(event.position.commit),
          event.stream,
          Number(event.revision),
          event.id,
          event.type,
          content.dataJson,
          withChainHash(content.metadataJson, hash),
          event.recordedAt.getTime(),
        ];
      });
      writePage(rows);
      counts.events += rows.length;
      page = [];
      progress(counts.events);
    };
    for await (const event of source.readAll()) {
      page.push(event);
      if (page.length === PAGE) await flush();
    }
    if (page.length > 0) await flush();
  } finally {
    db.close();
  }
  return { ...counts, unclassifiedTypes };
}

/** The event's data with its plain personal fields sealed (or, for an erased person, written as erased). */
async function sealPlainFields(
  keyring: Keyring,
  event: RecordedEvent,
): Promise<{ data: unknown; sealed: number; erased: number }> {
  const plain = plainPersonalFields(event.type, event.data).length;
  if (plain === 0) return { data: event.data, sealed: 0, erased: 0 };
  const at: EventLocation = { eventId: event.id, type: event.type, stream: event.stream };
  try {
    return { data: await sealEventData(keyring, at, event.data), sealed: plain, erased: 0 };
  } catch (error) {
    if (!(error instanceof SubjectErased)) throw error;
    const marked = await markErasedSubjects(keyring, at, event.data);
    return {
      data: await sealEventData(keyring, at, marked.data),
      sealed: plain - marked.erased,
      erased: marked.erased,
    };
  }
}

/** The metadata without its `commandDigest` when that is one of the unkeyed digests (else the same object). */
export function withoutUnkeyedDigest(metadata: unknown, unkeyed: ReadonlySet<string>): unknown {
  const digest = digestOf(metadata);
  if (digest === undefined || !unkeyed.has(digest)) return metadata;
  const { commandDigest: _dropped, ...rest } = metadata as { commandDigest: string };
  return rest;
}

function digestOf(metadata: unknown): string | undefined {
  const digest = (metadata as { commandDigest?: unknown } | null)?.commandDigest;
  return typeof digest === 'string' ? digest : undefined;
}
