import 'reflect-metadata';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import { AUDIT_STORE_FILE } from '@app/audit';
import { SqliteEventStore } from '@app/event-store';
import type { KeyStore } from '@app/personal-data';
import { eventStoreConnectionFor, ManagedRedisServer, openKeyring, runMain, type AppConfig } from '@app/platform';
import { describeVerification, verifyStore } from './audit/verify-store';
import { copySealed, survey } from './encrypt-existing/copy-sealed';
import { assertAbsent, ConversionNotVerified, verifyCopy } from './encrypt-existing/verify-copy';

/**
 * `npm run data:encrypt-existing [-- --from <file>] [-- --to <file>]`: a one-off for an embedded
 * store written before personal data was sealed. It copies every event into a new store file with
 * each personal field sealed under its person's key, checks the copy against the old store, and
 * says what to do next. The old file is never changed or deleted: destroying it is the operator's
 * step, once the new one is in place.
 *
 * The hash chains: the copy holds new bytes (sealed), so it is chained afresh; a migration must not
 * launder an edit, so the old store's chains are verified first (events written before chaining
 * accepted) and a store that fails is refused; the copy's chains are verified in full after.
 */
runMain(async (config, onShutdown) => {
  refuseUnlessEmbedded(config);
  const { from, to } = pathsFrom(process.argv.slice(2), config);
  const redisDir = join(config.dataDir, 'redis');
  if (ManagedRedisServer.runningAt(redisDir)) {
    throw new Error(
      `a server is running on ${config.dataDir} (its managed Redis in ${redisDir} is alive): stop it first, ` +
        'so the copy holds the whole log and nothing is written to the old store after it',
    );
  }
  if (!existsSync(from)) throw new Error(`there is no event store at ${from}`);
  const existing = storeFiles(to).filter((file) => existsSync(file));
  if (existing.length > 0) throw new Error(`${existing.join(', ')} already exists: give --to a new file`);

  const oldDb = openOldStore(from);
  onShutdown(async () => oldDb.close());
  const headBefore = headOf(oldDb);
  const keyring = await openKeyring(config);
  onShutdown(() => keyring.store.close());
  const keysBefore = await countKeys(keyring.store);
  const source = new SqliteEventStore(from);
  onShutdown(() => source.close());
  console.log(`sealing the personal data of ${from} into ${to}`);
  console.log(`  keys: ${keyring.store.description}, key-encryption key ${keyring.kekId}`);

  const oldChains = await verifyStore(source, { allowUnchained: true });
  if (!oldChains.ok) {
    throw new Error(
      `${from} fails audit verification, so it is not copied (a migration must not launder an edit): ${describeVerification(oldChains)}`,
    );
  }

  let report: string[];
  try {
    const found = await survey(source);
    const copied = await copySealed(source, to, keyring, found, (events) => {
      if (events % 50_000 === 0 || events === found.events) console.log(`  ${events} of ${found.events} events copied`);
    });
    const copy = new SqliteEventStore(to);
    const copyDb = new Database(to, { fileMustExist: true });
    let verified;
    try {
      verified = await verifyCopy({ db: oldDb, store: source }, { db: copyDb, store: copy }, keyring, found, copied);
      const newChains = await verifyStore(copy);
      if (!newChains.ok) throw new ConversionNotVerified(`the copy's hash chains: ${describeVerification(newChains)}`);
    } finally {
      await copy.close();
      // Everything into the one file, so it can be moved into place alone.
      copyDb.pragma('wal_checkpoint(TRUNCATE)');
      copyDb.close();
    }
    const samplesAbsent = assertAbsent(storeFiles(to), found.samples);
    if (!isDeepStrictEqual(headOf(oldDb), headBefore)) {
      throw new Error(`${from} was written to while it was copied: stop whatever writes to it, then run this again`);
    }
    const keysCreated = (await countKeys(keyring.store)) - keysBefore;
    report = [
      `read      ${verified.events} events in ${verified.streams} streams from ${from} (left as it was)`,
      `wrote     ${copied.events} events to ${to}: the same ids, streams, revisions, positions, metadata and recorded-at`,
      `sealed    ${copied.sealedFields} personal fields; ${copied.alreadySealed} events were sealed already and were copied as they were`,
      ...(copied.erasedFields > 0
        ? [`erased    ${copied.erasedFields} fields in clear of people whose key was destroyed, written as erased`]
        : []),
      ...(copied.digestsRemoved > 0
        ? [
            `digests   ${copied.digestsRemoved} unkeyed command digests left out of the metadata (they could confirm a guess of personal data)`,
          ]
        : []),
      ...(copied.unclassifiedTypes.size > 0
        ? [`copied as they were (types the domain does not classify): ${[...copied.unclassifiedTypes].join(', ')}`]
        : []),
      `keys      ${keysCreated} data keys created`,
      `chains    the old store's hash chains verified (${oldChains.unchained ?? 0} events written before chaining); ` +
        `the copy chained afresh over its sealed bytes, and verified: tree heads signed over the old store do not cover it`,
      `verified  the same events in every stream and in the same order, no personal field in clear, every sealed field ` +
        `opening to the old value, and ${samplesAbsent} plain values of the old store absent from the new file's bytes`,
    ];
  } catch (error) {
    // Only ever a file this run created (it refused one that existed): never leave half a store to be put in place.
    for (const file of storeFiles(to)) rmSync(file, { force: true });
    throw error;
  }
  console.log(['', ...report, '', ...nextSteps(config, from, to)].join('\n'));
  process.kill(process.pid, 'SIGTERM');
});

function pathsFrom(args: readonly string[], config: AppConfig): { from: string; to: string } {
  const given: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = inline ?? args[++i];
    if ((flag !== '--from' && flag !== '--to') || !value) {
      throw new Error(`usage: npm run data:encrypt-existing [-- --from <store file>] [--to <new file>] (got ${arg})`);
    }
    given[flag] = resolve(value);
  }
  const from = given['--from'] ?? liveStoreFile(config);
  return { from, to: given['--to'] ?? join(config.dataDir, 'events.encrypted.sqlite') };
}

function refuseUnlessEmbedded(config: AppConfig): void {
  if (!config.eventStoreConnectionString) return;
  throw new Error(
    'EVENTSTORE_CONNECTION_STRING is set, and this converts only the embedded SQLite store: an EventStoreDB log ' +
      'cannot be rewritten in place (its events are immutable and scavenging does not erase them for sure). ' +
      'Replicate it into a new database through the app, which seals every event it appends, and switch to that.',
  );
}

function liveStoreFile(config: AppConfig): string {
  const connection = eventStoreConnectionFor(config);
  if (connection.kind !== 'embedded') throw new Error('this configuration has no embedded store file');
  return connection.file;
}

/** The store's file with its WAL and shared-memory files. */
function storeFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`];
}

/**
 * The old store, opened to count and watch its rows. Refused when it is not an embedded event store
 * of the schema this tool copies: anything else in it would be left behind, perhaps in clear.
 */
function openOldStore(file: string): Database.Database {
  const db = new Database(file, { fileMustExist: true });
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const version = db.pragma('user_version', { simple: true }) as number;
  if (!isDeepStrictEqual(tables, ['events']) || version !== 1) {
    db.close();
    throw new Error(
      `${file} is not an embedded event store this tool knows (schema version 1, one events table): ` +
        `found version ${version} with tables ${tables.join(', ') || 'none'}`,
    );
  }
  return db;
}

function headOf(db: Database.Database): unknown[] {
  return db.prepare('SELECT COUNT(*), COALESCE(MAX(position), 0) FROM events').raw().get() as unknown[];
}

async function countKeys(store: KeyStore): Promise<number> {
  let count = 0;
  for await (const _key of store.all()) count++;
  return count;
}

function nextSteps(config: AppConfig, from: string, to: string): string[] {
  const live = liveStoreFile(config);
  const aside = from === live ? join(dirname(live), 'events.plain.sqlite') : from;
  const redisDir = join(config.dataDir, 'redis');
  const auditFile = join(config.dataDir, AUDIT_STORE_FILE);
  return [
    `Next steps (the old store still holds personal data in clear; this tool has not deleted it):`,
    `  1. Stop the server (and any worker) using ${config.dataDir}.`,
    `  2. Put the new store in place${from === live ? '' : ` (set aside any store at ${live} first)`}:`,
    ...(from === live ? [`       mv ${live} ${aside}   (with its -wal and -shm files, if there are any)`] : []),
    `       mv ${to} ${live}`,
    `     Its WAL was checkpointed into it: there is no -wal or -shm file to move with it.`,
    ...(existsSync(auditFile)
      ? [
          `     Set the audit tree of the old store aside too (the worker would refuse to extend it over the new one,`,
          `     whose events are chained afresh; it builds a new tree and signs its heads with the same key):`,
          `       mv ${auditFile} ${join(config.dataDir, 'audit.plain.sqlite')}   (with its -wal and -shm files)`,
          `     Keep it beside the old store's audit:verify output: it is the record of the log before this migration.`,
        ]
      : []),
    `  3. Redis still holds plain copies in the read models built from the old store.`,
    config.redisUrl
      ? `     Start the server, run \`npm run projections:rebuild\` (the old read models are deleted shortly after ` +
        `the switch), then have Redis rewrite its append-only file (BGREWRITEAOF) and destroy older RDB/AOF files and backups.`
      : `     With the server stopped: find ${redisDir} -type f -exec shred -u {} + && rm -r ${redisDir}\n` +
        `     The server builds the read models and reminders afresh from the new store when it starts.`,
    `  4. Destroy the old store: shred -u ${aside} (and its -wal and -shm files, and every backup of it).`,
    `     On SSDs and copy-on-write file systems overwriting is not certain: rely on disk encryption or destroy the volume.`,
  ];
}
