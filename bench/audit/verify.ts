// npm run bench:audit-verify
//
// `audit:verify` over a store of about a million chained events. Target: >= 100,000 events/s.
// The store: BENCH_STORE_FILE (default /tmp/bench-rebuild-store.sqlite, 1,026,234 events made by
// `npm run bench:projections`) when it exists — its events were written before the chain, so a
// copy is re-chained first (untimed), as `data:encrypt-existing` chains its copy — else
// BENCH_EVENTS (default 1,000,000) synthetic chained events, cases of 15 interleaved 64 at a time.
// Prints the verify rate through the embedded store's stored text (what `audit:verify` does on
// SQLite), through `readAll` (what it does on any other adapter), and a raw SELECT of the same rows.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalJson, chainHashOf, GENESIS_HASH, withChainHash, withoutChainHash } from '../../libs/audit/src';
import { SqliteEventStore, type EventStore } from '../../libs/event-store/src';
import { migrate } from '../../libs/event-store/src/embedded/schema';
import { verifyStore } from '../../apps/worker/src/audit/verify-store';
import { caseHistory } from '../event-store/sealing';

const SOURCE = process.env.BENCH_STORE_FILE ?? '/tmp/bench-rebuild-store.sqlite';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const TARGET_RATE = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'marac-bench-audit-'));
const file = join(dir, 'chained.sqlite');

type Row = [
  position: number,
  stream: string,
  revision: number,
  id: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: number,
];

/** Writes rows into `file`, chaining each to its stream's previous one over canonical text. */
function chainedWriter(db: Database.Database) {
  const heads = new Map<string, string>();
  const insert = db.prepare(
    'INSERT INTO events (position, stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const write = db.transaction((rows: readonly Row[]) => {
    for (const [position, stream, revision, id, type, data, metadata, recordedAt] of rows) {
      const content = { stream, revision, type, dataJson: data, metadataJson: metadata };
      const hash = chainHashOf(heads.get(stream) ?? GENESIS_HASH, content);
      heads.set(stream, hash);
      insert.run(position, stream, revision, id, type, data, withChainHash(metadata, hash), recordedAt);
    }
  });
  return { write, streams: () => heads.size };
}

function openTarget(): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // preparing the benchmark's input, not measured
  migrate(db);
  return db;
}

/** Copies the unchained bench store, each row's data and metadata made canonical, chained. */
function rechainCopy(): { events: number; streams: number } {
  const source = new Database(SOURCE, { readonly: true });
  const db = openTarget();
  const { write, streams } = chainedWriter(db);
  let page: Row[] = [];
  let events = 0;
  const rows = source
    .prepare(
      'SELECT position, stream, revision, event_id, type, data, metadata, recorded_at FROM events ORDER BY position',
    )
    .raw()
    .iterate() as IterableIterator<Row>;
  for (const [position, stream, revision, id, type, data, metadata, recordedAt] of rows) {
    const plainMetadata = withoutChainHash(JSON.parse(metadata)).metadata;
    page.push([
      position,
      stream,
      revision,
      id,
      type,
      canonicalJson(JSON.parse(data)),
      canonicalJson(plainMetadata),
      recordedAt,
    ]);
    if (page.length === 10_000) {
      write(page);
      events += page.length;
      page = [];
    }
  }
  write(page);
  events += page.length;
  source.close();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { events, streams: streams() };
}

/** Synthetic cases of 15 events, 64 at a time taking turns, chained as the store chains them. */
function generate(): { events: number; streams: number } {
  const db = openTarget();
  const { write, streams } = chainedWriter(db);
  const metadata = canonicalJson({
    actor: { userId: 'user-police-1', role: 'caseworker', agency: 'police' },
    correlationId: 'synthetic',
    causationId: 'synthetic',
    recordedAt: '2026-11-20T12:00:00.000Z',
    command: 'Synthetic',
    schemaVersion: 1,
  });
  let position = 0;
  while (position < EVENTS) {
    const cases = Array.from({ length: 64 }, () => {
      const caseId = randomUUID();
      return { stream: `case-${caseId}`, events: caseHistory(caseId) };
    });
    const page: Row[] = [];
    for (let revision = 0; revision < 15 && position < EVENTS; revision++) {
      for (const { stream, events } of cases) {
        if (position >= EVENTS) break;
        const event = events[revision]!;
        page.push([++position, stream, revision, randomUUID(), event.type, canonicalJson(event.data), metadata, 0]);
      }
    }
    write(page);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { events: position, streams: streams() };
}

async function timed<T>(run: () => Promise<T> | T): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await run();
  return { result, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  console.log(`audit:verify benchmark — ${new Date().toISOString()}, Node ${process.version}`);
  const fromBenchStore = existsSync(SOURCE);
  const made = await timed(() => (fromBenchStore ? rechainCopy() : generate()));
  console.log(
    `${fromBenchStore ? `re-chained a copy of ${SOURCE}` : `generated ${EVENTS} chained events`}: ` +
      `${made.result.events} events in ${made.result.streams} streams, ${made.seconds.toFixed(1)} s (untimed below)\n`,
  );

  const rawRate = (() => {
    const db = new Database(file, { readonly: true });
    const started = performance.now();
    let rows = 0;
    for (const _ of db
      .prepare('SELECT position, stream, revision, type, data, metadata FROM events ORDER BY position')
      .raw()
      .iterate())
      rows++;
    db.close();
    return rows / ((performance.now() - started) / 1000);
  })();

  const store = new SqliteEventStore(file);
  const stored = await timed(() => verifyStore(store));
  // The same store seen only through the port, as audit:verify reads an EventStoreDB.
  const portOnly = {
    readAll: (options?: Parameters<EventStore['readAll']>[0]) => store.readAll(options),
  } as unknown as EventStore;
  const viaPort = await timed(() => verifyStore(portOnly));
  await store.close();

  const rate = (run: { result: { events: number }; seconds: number }) => run.result.events / run.seconds;
  const fmt = (value: number) => Math.round(value).toLocaleString('en-GB').padStart(9);
  for (const [label, run] of [
    ['audit:verify, embedded store (stored text)', stored],
    ['audit:verify through readAll (any adapter)', viaPort],
  ] as const) {
    if (!run.result.ok)
      throw new Error(
        `${label}: the chained store did not verify: ${JSON.stringify(run.result.finding, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
    console.log(
      `${fmt(rate(run))} events/s  ${label}: ${run.result.events} events, ${run.result.streams} streams in ${run.seconds.toFixed(2)} s`,
    );
  }
  console.log(`${fmt(rawRate)} rows/s    raw SELECT of the same rows, nothing parsed or hashed (the floor)`);
  const met = rate(stored) >= TARGET_RATE;
  console.log(
    `\n  ${met ? 'MET ' : 'MISSED'} audit:verify over ${stored.result.events} events = ${fmt(rate(stored)).trim()} events/s (target >= ${TARGET_RATE.toLocaleString('en-GB')})`,
  );
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = met ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
