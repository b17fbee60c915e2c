// The price of the hash chain (issue 16), for `npm run bench:event-store`: the same cases appended
// to a SqliteEventStore that chains its events (the default) and to one with `hashChain: false`
// (this benchmark's baseline only), at 1 and 64 writers, committing on the caller's thread and on
// a commit thread (as the servers open the store). The stores take turns round by round, as in
// `sealing.ts`, so drift on a shared machine hits both. Target: chained >= 90% of unchained.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { canonicalJson, chainHashOf, GENESIS_HASH } from '../../libs/audit/src';
import { SqliteEventStore, type EventData } from '../../libs/event-store/src';
import { caseHistory } from './sealing';

const CHAINING_MS = Number(process.env.BENCH_CHAINING_MS ?? 10_000);
const WRITER_COUNTS = [1, 64] as const;

const metadata = () => ({
  actor: { userId: 'u-123', role: 'caseworker', agency: 'police' },
  correlationId: randomUUID(),
  causationId: randomUUID(),
  recordedAt: new Date().toISOString(),
  command: 'RecordSomething',
  schemaVersion: 1,
});

export interface ChainingFigures {
  readonly writers: number;
  readonly commitThread: boolean;
  readonly unchained: number;
  readonly chained: number;
  /** This process's CPU (all its threads) per append while each store appended: less noisy than rates on a shared machine. */
  readonly unchainedCpuUs: number;
  readonly chainedCpuUs: number;
}

/** The CPU the chain adds per event, hot loop: canonical JSON in place of JSON.stringify, and the hash. */
export interface ChainingFloor {
  readonly canonicalExtraUs: number;
  readonly hashUs: number;
}

export function chainingFloor(): ChainingFloor {
  const events = Array.from({ length: 200 }, () =>
    caseHistory(randomUUID()).map((event) => ({ ...event, metadata: metadata() })),
  ).flat();
  const best = (step: () => void): number => {
    let fastest = Infinity;
    for (let round = 0; round < 5; round++) {
      const t = performance.now();
      step();
      fastest = Math.min(fastest, ((performance.now() - t) * 1000) / events.length);
    }
    return fastest;
  };
  const stringify = best(() => events.forEach((e) => (JSON.stringify(e.data), JSON.stringify(e.metadata))));
  const canonical = best(() => events.forEach((e) => (canonicalJson(e.data), canonicalJson(e.metadata))));
  const contents = events.map((e, revision) => ({
    stream: 'case-x',
    revision,
    type: e.type,
    dataJson: canonicalJson(e.data),
    metadataJson: canonicalJson(e.metadata),
  }));
  const hashUs = best(() => contents.reduce((previous, content) => chainHashOf(previous, content), GENESIS_HASH));
  return { canonicalExtraUs: canonical - stringify, hashUs };
}

function writerOf(): () => { stream: string; event: EventData } {
  let history: { type: string; data: unknown }[] = [];
  let stream = '';
  return () => {
    if (history.length === 0) {
      const caseId = randomUUID();
      stream = `case-${caseId}`;
      history = caseHistory(caseId);
    }
    return { stream, event: { ...history.shift()!, metadata: metadata() } };
  };
}

export async function chainingAppendRates(dir: string): Promise<ChainingFigures[]> {
  const figures: ChainingFigures[] = [];
  for (const commitThread of [false, true]) {
    for (const writers of WRITER_COUNTS) {
      const name = `${writers}-${commitThread ? 'thread' : 'here'}`;
      const kinds = [
        { store: new SqliteEventStore(join(dir, `unchained-${name}.sqlite`), { commitThread, hashChain: false }) },
        { store: new SqliteEventStore(join(dir, `chained-${name}.sqlite`), { commitThread }) },
      ].map((kind) => ({ ...kind, next: Array.from({ length: writers }, writerOf), ms: 0, cpuUs: 0, appends: 0 }));
      const started = performance.now();
      for (let turn = 0; performance.now() - started < CHAINING_MS; turn++) {
        for (let k = 0; k < kinds.length; k++) {
          const kind = kinds[(turn + k) % kinds.length]!;
          const appends = kind.next.map((next) => next());
          const t = performance.now();
          const cpu = process.cpuUsage();
          await Promise.all(appends.map(({ stream, event }) => kind.store.append(stream, [event])));
          const used = process.cpuUsage(cpu);
          kind.ms += performance.now() - t;
          kind.cpuUs += used.user + used.system;
          kind.appends += writers;
        }
      }
      for (const kind of kinds) await kind.store.close();
      const [unchained, chained] = kinds.map((kind) => kind.appends / (kind.ms / 1000)) as [number, number];
      const [unchainedCpuUs, chainedCpuUs] = kinds.map((kind) => kind.cpuUs / kind.appends) as [number, number];
      figures.push({ writers, commitThread, unchained, chained, unchainedCpuUs, chainedCpuUs });
    }
  }
  return figures;
}

/** Prints the figures; returns each target's text and whether it was met. */
export function reportChaining(
  figures: readonly ChainingFigures[],
  floor: ChainingFloor,
): (readonly [string, boolean])[] {
  const fmt = (value: number) => Math.round(value).toLocaleString('en-GB').padStart(7);
  const pct = (value: number) => `${(value * 100).toFixed(0)}%`;
  console.log(
    `\nhash chain on vs off: ${CHAINING_MS / 1000} s per line, the stores taking turns round by round ` +
      '(cases of 15 events, one event per append, personal fields in clear)\n' +
      `  chain CPU per event, hot loop: canonical JSON ${floor.canonicalExtraUs.toFixed(1)} us more than JSON.stringify ` +
      `(on the appending thread), SHA-256 chain hash ${floor.hashUs.toFixed(1)} us (on the committing thread)`,
  );
  return figures.map(({ writers, commitThread, unchained, chained, unchainedCpuUs, chainedCpuUs }) => {
    const where = commitThread ? 'commit thread' : "caller's thread";
    console.log(
      `  ${String(writers).padStart(2)} writer${writers === 1 ? ' ' : 's'}, ${where.padEnd(15)}: ` +
        `unchained ${fmt(unchained)} appends/s, chained ${fmt(chained)} appends/s = ${pct(chained / unchained)}; ` +
        `CPU per append ${unchainedCpuUs.toFixed(0)} us unchained, ${chainedCpuUs.toFixed(0)} us chained`,
    );
    return [
      `chained / unchained appends at ${writers} writer${writers === 1 ? '' : 's'}, ${where} = ${pct(chained / unchained)} (target >= 90%)`,
      chained / unchained >= 0.9,
    ] as const;
  });
}
