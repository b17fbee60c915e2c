// The price of sealed personal data in a rebuild (issue 15), for `npm run bench:projections`: two
// stores written from the same synthetic workload (same seed), one plain and one through
// SealingEventStore (every personal field sealed by sealEventData under its person's key, keys in
// a SqliteKeyStore beside it), each rebuilt from zero as `projections:rebuild` does, into an
// emptied Redis, in the order plain, sealed, sealed, plain so drift hits both alike.
// Target: the sealed rebuild takes <= 1.2x the plain one.
// BENCH_REBUILD_EVENTS (200000; 1000000 for the issue's figure) sets the size.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import Redis from 'ioredis';
import { defaultDeadlinePolicy } from '../../libs/case-domain/src';
import { SqliteEventStore } from '../../libs/event-store/src';
import { KeyEncryptionKey, Keyring, SealingEventStore, SqliteKeyStore } from '../../libs/personal-data/src';
import { deadlineRules } from '../../libs/read-models/src/deadline-rules';
import { readModelProjections, rebuildReadModels } from '../../libs/read-models/src';
import { appendWorkload } from '../../test/support/workload';

const EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 200_000);
/** The workload's cases average about 7.6 events (135,000 cases = 1,026,234 events). */
const EVENTS_PER_CASE = 7.6;

interface Written {
  readonly file: string;
  readonly events: number;
  readonly writeSeconds: number;
}

async function writePlain(file: string, cases: number): Promise<Written> {
  const store = new SqliteEventStore(file);
  const started = performance.now();
  const events = await appendWorkload(store, cases, { seed: 11, concurrent: 200 });
  const writeSeconds = (performance.now() - started) / 1000;
  await store.close();
  return { file, events, writeSeconds };
}

async function writeSealed(file: string, cases: number): Promise<Written> {
  const keys = new SqliteKeyStore(`${file}.keys`);
  const keyring = await Keyring.open(keys, KeyEncryptionKey.parse(KeyEncryptionKey.generateText()));
  const store = new SealingEventStore(new SqliteEventStore(file), keyring);
  const started = performance.now();
  const events = await appendWorkload(store, cases, { seed: 11, concurrent: 200 });
  const writeSeconds = (performance.now() - started) / 1000;
  await store.close();
  await keys.close();
  return { file, events, writeSeconds };
}

/** One rebuild from zero into an emptied Redis; seconds it took. */
async function rebuildOnce(file: string, redisUrl: string, redis: Redis): Promise<number> {
  await redis.flushdb();
  const store = new SqliteEventStore(file);
  try {
    const result = await rebuildReadModels(store, redis, readModelProjections(deadlineRules()), {
      root: 'bench-sealed-rebuild:rm',
      parallel: {
        partitions: availableParallelism(),
        config: { eventStore: { kind: 'embedded', file }, redisUrl, deadlinePolicy: defaultDeadlinePolicy },
      },
    });
    return result.elapsedMs / 1000;
  } finally {
    await store.close();
  }
}

/** Writes both stores, rebuilds each twice, prints the figures; true when the target is met. */
export async function sealedRebuild(dir: string, redisUrl: string): Promise<boolean> {
  const cases = Math.round(EVENTS / EVENTS_PER_CASE);
  console.log(`\nrebuild with personal data sealed vs plain: ${cases} synthetic cases, the same in both stores`);
  const plain = await writePlain(join(dir, 'rebuild-plain.sqlite'), cases);
  const sealed = await writeSealed(join(dir, 'rebuild-sealed.sqlite'), cases);
  if (plain.events !== sealed.events) throw new Error(`stores differ: ${plain.events} vs ${sealed.events} events`);
  const mb = (file: string) => `${(statSync(file).size / 1e6).toFixed(0)} MB`;
  console.log(
    `  wrote ${plain.events} events: plain in ${plain.writeSeconds.toFixed(1)} s (${mb(plain.file)}), ` +
      `sealed in ${sealed.writeSeconds.toFixed(1)} s (${mb(sealed.file)}, keys ${mb(`${sealed.file}.keys`)})`,
  );
  const redis = new Redis(redisUrl);
  try {
    const times = { plain: [] as number[], sealed: [] as number[] };
    for (const kind of ['plain', 'sealed', 'sealed', 'plain'] as const) {
      times[kind].push(await rebuildOnce(kind === 'plain' ? plain.file : sealed.file, redisUrl, redis));
    }
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const ratio = mean(times.sealed) / mean(times.plain);
    const list = (values: number[]) => values.map((v) => `${v.toFixed(1)} s`).join(', ');
    console.log(`  plain rebuild  ${mean(times.plain).toFixed(1)} s (${list(times.plain)})`);
    console.log(`  sealed rebuild ${mean(times.sealed).toFixed(1)} s (${list(times.sealed)})`);
    const met = ratio <= 1.2;
    console.log(`  ${met ? 'MET ' : 'MISSED'} sealed / plain rebuild time = ${ratio.toFixed(2)}x (target <= 1.2x)`);
    return met;
  } finally {
    redis.disconnect();
  }
}
