import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type Database from 'better-sqlite3';
import type { RecordedEvent, SqliteEventStore } from '@app/event-store';
import { withValueAt } from '@app/case-domain';
import { openEventData, type Keyring } from '@app/personal-data';
import { withoutUnkeyedDigest, type CopyResult, type Survey } from './copy-sealed';
import { plainPersonalFields } from '@app/personal-data';

/** The new store is not a faithful, sealed copy of the old one: it must not be put in place. */
export class ConversionNotVerified extends Error {
  override readonly name = 'ConversionNotVerified';
}

export interface StoreFiles {
  /** A connection of this process to the file, for counting rows the way the adapter does not. */
  readonly db: Database.Database;
  readonly store: SqliteEventStore;
}

export interface Verification {
  readonly events: number;
  readonly streams: number;
  /** Plain values of the old store looked for, and not found, in the new file's bytes. */
  readonly samplesAbsent: number;
}

/**
 * Checks the new store against the old one: the same events in every stream, the same ids in the
 * same `$all` order with the same revisions, positions, metadata and recorded-at; no personal field
 * in clear; every sealed field opening to the old value (or shown as erased, where the copy said it
 * wrote it so).
 */
export async function verifyCopy(
  old: StoreFiles,
  copy: StoreFiles,
  keyring: Keyring,
  found: Survey,
  copied: CopyResult,
): Promise<Omit<Verification, 'samplesAbsent'>> {
  const oldStreams = streamCounts(old.db);
  const newStreams = streamCounts(copy.db);
  if (!isDeepStrictEqual(oldStreams, newStreams)) {
    throw new ConversionNotVerified('the streams (or their event counts or revisions) differ between the two stores');
  }
  const events = [...oldStreams.values()].reduce((sum, stream) => sum + stream.count, 0);
  if (events !== found.events || events !== copied.events) {
    throw new ConversionNotVerified(
      `the old store has ${events} events, ${found.events} were read and ${copied.events} written`,
    );
  }
  const theirs = copy.store.readAll()[Symbol.asyncIterator]();
  let erased = 0;
  for await (const before of old.store.readAll()) {
    const next = await theirs.next();
    if (next.done) throw new ConversionNotVerified(`the new store ends before event ${before.id}`);
    erased += await sameEvent(keyring, before, next.value, found);
  }
  if (!(await theirs.next()).done) throw new ConversionNotVerified('the new store has events after the last old one');
  if (erased !== copied.erasedFields) {
    throw new ConversionNotVerified(`${erased} fields show as erased, but the copy wrote ${copied.erasedFields}`);
  }
  return { events, streams: oldStreams.size };
}

/** Compares one event and its copy; returns how many of its fields the copy holds as erased that were plain. */
async function sameEvent(keyring: Keyring, before: RecordedEvent, after: RecordedEvent, found: Survey) {
  const which = `event ${before.id} (position ${before.position.commit})`;
  const same =
    after.id === before.id &&
    after.type === before.type &&
    after.stream === before.stream &&
    after.revision === before.revision &&
    after.position.commit === before.position.commit &&
    after.recordedAt.getTime() === before.recordedAt.getTime();
  if (!same) throw new ConversionNotVerified(`${which}: the copy at its place is not the same event`);
  if (!isDeepStrictEqual(after.metadata, withoutUnkeyedDigest(before.metadata, found.unkeyedDigests))) {
    throw new ConversionNotVerified(`${which}: its metadata was not copied as it was`);
  }
  const left = plainPersonalFields(after.type, after.data);
  if (left.length > 0) {
    throw new ConversionNotVerified(`${which}: ${left.map(({ field }) => field.path.join('.')).join(', ')} in clear`);
  }
  const at = { eventId: before.id, type: before.type, stream: before.stream };
  const opened = await openEventData(keyring, at, after.data);
  const expected = await openEventData(keyring, at, before.data);
  const wasPlain = new Set(plainPersonalFields(before.type, before.data).map(({ field }) => field.path.join('.')));
  const newlyErased = opened.erased.filter((path) => !expected.erased.includes(path));
  if (newlyErased.some((path) => !wasPlain.has(path))) {
    throw new ConversionNotVerified(`${which}: a field that was sealed in the old store no longer opens`);
  }
  const expectedData = newlyErased.reduce((data, path) => withValueAt(data, path.split('.'), null), expected.data);
  if (!isDeepStrictEqual(opened.data, expectedData)) {
    throw new ConversionNotVerified(`${which}: its data does not open to what the old store held`);
  }
  return newlyErased.length;
}

type StreamCount = { count: number; first: number; last: number };

function streamCounts(db: Database.Database): Map<string, StreamCount> {
  const rows = db
    .prepare('SELECT stream, COUNT(*), MIN(revision), MAX(revision) FROM events GROUP BY stream ORDER BY stream')
    .raw()
    .all() as [string, number, number, number][];
  return new Map(rows.map(([stream, count, first, last]) => [stream, { count, first, last }]));
}

const CHUNK = 8 * 1024 * 1024;

/**
 * Looks for each sample in the bytes of `files` (the new store and any WAL beside it), so a plain
 * value that reached the disk by any way at all is caught. Throws naming only how many were found.
 */
export function assertAbsent(files: readonly string[], samples: readonly Buffer[], chunkBytes = CHUNK): number {
  if (samples.length === 0) return 0;
  const overlap = Math.max(...samples.map((sample) => sample.length)) - 1;
  const found = new Set<Buffer>();
  for (const file of files.filter((name) => existsSync(name))) {
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(chunkBytes + overlap);
      let carried = 0;
      let offset = 0;
      for (;;) {
        const read = readSync(fd, buffer, carried, chunkBytes, offset);
        if (read === 0) break;
        offset += read;
        const window = buffer.subarray(0, carried + read);
        for (const sample of samples) if (window.includes(sample)) found.add(sample);
        carried = Math.min(overlap, window.length);
        window.copyWithin(0, window.length - carried);
      }
    } finally {
      closeSync(fd);
    }
  }
  if (found.size > 0) {
    throw new ConversionNotVerified(
      `${found.size} of ${samples.length} plain personal values are still in the new file`,
    );
  }
  return samples.length;
}
