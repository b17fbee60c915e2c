/**
 * Micro-benchmark of reading and folding case events, no store and no Redis (issue 18: folding got
 * slower when deadline starts gained `enteredAt`):
 * `node -r @swc-node/register bench/projections/fold-micro.ts`.
 *
 * Builds ~200k recorded case events from the synthetic workload, interleaved across streams as
 * concurrent appends leave them, in two schemas: OLD (as code before `enteredAt` wrote them: no
 * `enteredAt` in the data, so the upcasters fill it from the metadata's `recordedAt`) and NEW (as
 * the decider writes them now). Each event's data comes from `JSON.parse`, as a store read gives it.
 * Times per event:
 *   baseline   `JSON.parse` of the same events' data: the reference to read ratios against;
 *   upcast     the event as the domain reads it (what `toDomainEvent` does: the upcasters);
 *   fold       upcast + `caseDecider.evolve`, one state per stream;
 *   deadlines  fold + `deadlinesFor` of the stream's state after every event.
 * Prints the median of BENCH_REPS (7) rounds, each running every row, in CPU µs/event (this
 * process's, garbage collection threads included: steadier than wall time on a shared machine)
 * and as a ratio to the baseline, so figures from a noisy machine can be compared by ratio.
 *
 * BENCH_COMPARE: other checkouts of this repository (worktree roots, comma-separated) to time on
 * the same events: each checkout's `libs/case-domain` runs in its own process (so no call site
 * sees two versions of the code), the processes taking turns BENCH_TURNS (3) times, and the
 * median of the turns is printed. Code from before `enteredAt` gets the metadata's `recordedAt`
 * as evolve's third argument, as its projections gave it (the current evolve takes two), and no
 * NEW rows (it cannot read them).
 * BENCH_CASES (28000 ≈ 200k events); for a profile, BENCH_ONLY (a row name) and BENCH_SCHEMA
 * (OLD or NEW) time only those, beside the baseline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type * as CaseDomain from '../../libs/case-domain/src';
import type { CaseEvent, CaseState } from '../../libs/case-domain/src';
import type { RecordedEvent } from '../../libs/event-store/src';
import { caseCommands, caseIdOf, decidedCaseEvents, random, workloadNow } from '../../test/support/workload';

const CASES = Number(process.env.BENCH_CASES ?? 28_000);
const REPS = Number(process.env.BENCH_REPS ?? 7);
const TURNS = Number(process.env.BENCH_TURNS ?? 3);
const COMPARE = (process.env.BENCH_COMPARE ?? '').split(',').filter(Boolean);
const ONLY = process.env.BENCH_ONLY;
const SCHEMA = process.env.BENCH_SCHEMA;
/** Set in a child process: the checkout whose domain it times, and the events file it reads. */
const CHILD_ROOT = process.env.BENCH_CHILD_ROOT;
const EVENTS_FILE = process.env.BENCH_EVENTS_FILE;
/** The schema versions code before `enteredAt` wrote (PotentialVictimIdentified was at 2 then). */
const OLD_VERSIONS: Record<string, number> = { PotentialVictimIdentified: 2 };
/** How many cases are appended to at once: the order events reach the store (and a rebuild) in. */
const CONCURRENT = 200;
const THIS_ROOT = resolve(__dirname, '../..');

type Schema = 'OLD' | 'NEW';
/** An event as stored: its data and metadata as JSON text. */
interface Stored {
  readonly type: string;
  readonly stream: string;
  readonly data: string;
  readonly metadata: string;
}

interface Store {
  readonly schema: Schema;
  readonly events: RecordedEvent[];
  readonly json: string[];
}

/** The workload's case events in both schemas, interleaved as concurrent writers leave them. */
function storedEvents(): Record<Schema, Stored[]> {
  const rand = random(11);
  const perCase: { type: string; data: unknown; metadata: Record<string, unknown> }[][] = [];
  for (let n = 0; n < CASES; n++) {
    // Each case handled at its own second, so `recordedAt` (and `enteredAt`) differ as in a real store.
    const now = new Date(workloadNow.getTime() + n * 1_000);
    perCase.push(decidedCaseEvents(caseCommands(n, rand), now) as (typeof perCase)[number]);
  }
  const stored: Record<Schema, Stored[]> = { OLD: [], NEW: [] };
  // Round-robin over windows of CONCURRENT cases.
  for (let first = 0; first < CASES; first += CONCURRENT) {
    const window = perCase.slice(first, first + CONCURRENT);
    for (let k = 0; window.some((events) => k < events.length); k++) {
      window.forEach((events, i) => {
        const event = events[k];
        if (!event) return;
        const stream = `case-${caseIdOf(first + i)}`;
        const record = (schema: Schema, data: unknown, schemaVersion: number) =>
          stored[schema].push({
            type: event.type,
            stream,
            data: JSON.stringify(data),
            metadata: JSON.stringify({ ...event.metadata, schemaVersion }),
          });
        const { enteredAt: _entered, ...withoutEntered } = event.data as Record<string, unknown>;
        record('OLD', withoutEntered, OLD_VERSIONS[event.type] ?? 1);
        record('NEW', event.data, event.metadata.schemaVersion as number);
      });
    }
  }
  return stored;
}

/** Recorded events as a store read gives them: data and metadata parsed from their JSON. */
function storeOf(schema: Schema, stored: readonly Stored[]): Store {
  const revisions = new Map<string, bigint>();
  const events = stored.map((event, index): RecordedEvent => {
    const revision = revisions.get(event.stream) ?? 0n;
    revisions.set(event.stream, revision + 1n);
    const metadata = JSON.parse(event.metadata) as { recordedAt: string };
    const position = BigInt(index + 1);
    return {
      id: `e-${position}`,
      type: event.type,
      stream: event.stream,
      revision,
      position: { commit: position, prepare: position },
      data: JSON.parse(event.data),
      metadata,
      recordedAt: new Date(metadata.recordedAt),
    };
  });
  return { schema, events, json: stored.map((event) => event.data) };
}

type Domain = typeof CaseDomain;

/** One checkout's case domain, as the rows call it. */
interface Code {
  readonly readsNew: boolean;
  readonly initialState: CaseState;
  /** What `toDomainEvent` (libs/command-handling) does with that checkout's `upcast`. */
  readonly toDomain: (recorded: RecordedEvent) => CaseEvent;
  readonly evolve: (state: CaseState, event: CaseEvent, recordedAt: string) => CaseState;
  readonly deadlines: (state: CaseState) => number;
}

function codeOf(domain: Domain): Code {
  const upcast = domain.upcast as (type: string, data: unknown, version: number, stored?: object) => unknown;
  // Before `enteredAt`, upcast took no stored event (and `toDomainEvent` built none).
  const toDomain =
    upcast.length >= 4
      ? (recorded: RecordedEvent) => {
          const metadata = recorded.metadata as { schemaVersion?: number; recordedAt?: string };
          const stored = { recordedAt: metadata.recordedAt ?? recorded.recordedAt.toISOString() };
          return {
            type: recorded.type,
            data: upcast(recorded.type, recorded.data, metadata.schemaVersion ?? 1, stored),
          };
        }
      : (recorded: RecordedEvent) => {
          const metadata = recorded.metadata as { schemaVersion?: number };
          return { type: recorded.type, data: upcast(recorded.type, recorded.data, metadata.schemaVersion ?? 1) };
        };
  const decider = domain.caseDecider;
  const policy = domain.defaultDeadlinePolicy;
  const calendar = domain.englandAndWalesCalendar();
  return {
    readsNew: domain.currentSchemaVersion('PotentialVictimIdentified') >= 3,
    initialState: decider.initialState,
    toDomain: toDomain as (recorded: RecordedEvent) => CaseEvent,
    evolve: decider.evolve,
    deadlines: (state) => domain.deadlinesFor(state, policy, calendar).length,
  };
}

const recordedAtOf = (recorded: RecordedEvent) => (recorded.metadata as { recordedAt: string }).recordedAt;

/** Each returns a number made from its work, so none of it can be optimised away. */
const rows: Record<string, (store: Store, code: Code) => number> = {
  baseline: (store) => {
    let sink = 0;
    for (const json of store.json) sink += (JSON.parse(json) as object) === null ? 0 : 1;
    return sink;
  },
  upcast: (store, code) => {
    let sink = 0;
    for (const recorded of store.events) sink += code.toDomain(recorded).data === null ? 0 : 1;
    return sink;
  },
  fold: (store, code) => {
    const states = new Map<string, CaseState>();
    for (const recorded of store.events) {
      const state = states.get(recorded.stream) ?? code.initialState;
      states.set(recorded.stream, code.evolve(state, code.toDomain(recorded), recordedAtOf(recorded)));
    }
    return states.size;
  },
  deadlines: (store, code) => {
    const states = new Map<string, CaseState>();
    let sink = 0;
    for (const recorded of store.events) {
      const state = states.get(recorded.stream) ?? code.initialState;
      const next = code.evolve(state, code.toDomain(recorded), recordedAtOf(recorded));
      states.set(recorded.stream, next);
      sink += code.deadlines(next);
    }
    return sink;
  },
};

type Medians = Record<string, number>;

/** Times every row on one checkout's domain, in this process: the median µs/event of each. */
function timeRows(root: string, stores: readonly Store[]): Medians {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const code = codeOf(require(resolve(root, 'libs/case-domain/src')) as Domain);
  const runs: { key: string; run: () => number }[] = [{ key: 'baseline', run: () => rows.baseline!(stores[0]!, code) }];
  for (const name of ['upcast', 'fold', 'deadlines'].filter((name) => !ONLY || name === ONLY)) {
    for (const store of stores) {
      if (store.schema === 'NEW' && !code.readsNew) continue;
      runs.push({ key: `${name} ${store.schema}`, run: () => rows[name]!(store, code) });
    }
  }
  const events = stores[0]!.events.length;
  const samples = new Map<string, number[]>(runs.map(({ key }) => [key, []]));
  let sink = 0;
  // Round 0 warms up (and is dropped); every round runs every row, so drift hits all alike.
  for (let round = 0; round <= REPS; round++) {
    for (const { key, run } of runs) {
      const start = process.cpuUsage();
      sink += run();
      const used = process.cpuUsage(start);
      if (round > 0) samples.get(key)!.push((used.user + used.system) / events);
    }
  }
  if (sink === 0) throw new Error('nothing folded');
  return Object.fromEntries([...samples].map(([key, values]) => [key, median(values)]));
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function print(title: string, byCode: Record<string, Medians[]>) {
  console.log(title);
  const codes = Object.keys(byCode);
  const keys = [...new Set(codes.flatMap((code) => Object.keys(byCode[code]![0]!)))];
  console.log(`  ${'row'.padEnd(14)}${codes.map((code) => code.padStart(26)).join('')}`);
  for (const key of keys) {
    const cells = codes.map((code) => {
      const turns = byCode[code]!.filter((medians) => medians[key] !== undefined);
      if (turns.length === 0) return '-'.padStart(26);
      const micros = median(turns.map((medians) => medians[key]!));
      const ratio = median(turns.map((medians) => medians[key]! / medians.baseline!));
      return `${micros.toFixed(3)} µs  ${ratio.toFixed(2)} ×`.padStart(26);
    });
    console.log(`  ${key.padEnd(14)}${cells.join('')}`);
  }
}

function main() {
  const schemas = (['OLD', 'NEW'] as const).filter((schema) => !SCHEMA || schema === SCHEMA);
  if (CHILD_ROOT) {
    const stored = JSON.parse(readFileSync(EVENTS_FILE!, 'utf8')) as Record<Schema, Stored[]>;
    const stores = schemas.map((schema) => storeOf(schema, stored[schema]));
    process.stdout.write(JSON.stringify(timeRows(CHILD_ROOT, stores)));
    return;
  }
  const t = performance.now();
  const stored = storedEvents();
  console.log(
    `${stored.OLD.length} events in ${CASES} cases, built in ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
      `node ${process.version}`,
  );
  const title = `median of ${REPS} rounds (CPU µs/event, and × baseline = JSON.parse of the same data)`;
  if (COMPARE.length === 0) {
    const stores = schemas.map((schema) => storeOf(schema, stored[schema]));
    print(`${title}:`, { [basename(THIS_ROOT)]: [timeRows(THIS_ROOT, stores)] });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'fold-micro-'));
  try {
    const file = join(dir, 'events.json');
    writeFileSync(file, JSON.stringify(stored));
    const roots = [THIS_ROOT, ...COMPARE.map((root) => resolve(root))];
    const byCode: Record<string, Medians[]> = Object.fromEntries(roots.map((root) => [basename(root), []]));
    for (let turn = 0; turn < TURNS; turn++) {
      for (const root of roots) {
        const child = spawnSync(process.execPath, [...process.execArgv, __filename], {
          cwd: THIS_ROOT,
          env: { ...process.env, BENCH_CHILD_ROOT: root, BENCH_EVENTS_FILE: file },
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        });
        if (child.status !== 0) throw new Error(`${root}: ${child.stderr}`);
        byCode[basename(root)]!.push(JSON.parse(child.stdout) as Medians);
      }
    }
    print(`${title}, median of ${TURNS} turns, one process per checkout and turn:`, byCode);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
