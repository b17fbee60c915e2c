import 'reflect-metadata';
import { openEventStore } from '@app/event-store';
import { eventStoreConnectionFor, runMain } from '@app/platform';
import { latestTreeHead } from './audit/latest-tree-head';
import { describeVerification, verifyStore } from './audit/verify-store';

/**
 * `npm run audit:verify [-- --tree-size <n>]`: re-reads the whole event store (the one the
 * configuration names, embedded or EventStoreDB) in `$all` order and verifies each stream's hash
 * chain, and, against the latest signed tree head the worker keeps in `DATA_DIR/audit.sqlite`
 * (its signature checked first), that the store still holds as many events and that the first
 * that many give its Merkle root: the last events cut off, a reorder between streams or a stream
 * re-hashed from some event on all show there, which per-stream chains alone cannot see. Prints
 * the first altered, removed, inserted, reordered or truncated event (stream, revision, position)
 * and exits 1, or says all is well with the counts and exits 0. `--tree-size` gives a head's size
 * by hand instead (a head kept elsewhere).
 */
runMain(async (config, onShutdown, exit) => {
  const treeSize = treeSizeFrom(process.argv.slice(2));
  const store = openEventStore(eventStoreConnectionFor(config));
  onShutdown(() => store.close());
  const latest = treeSize === undefined ? await latestTreeHead(config.dataDir) : undefined;
  console.log(`verifying the hash chains of ${store.description}`);
  console.log(
    treeSize !== undefined
      ? `  against a tree head of ${treeSize} events (--tree-size)`
      : latest
        ? `  against ${latest.description}`
        : '  no signed tree head yet (no audit.sqlite in DATA_DIR, or none signed): the last events cut off would not show',
  );
  const started = performance.now();
  const treeHead = treeSize === undefined ? latest?.match : { size: treeSize };
  const result = await verifyStore(store, {
    ...(treeHead === undefined ? {} : { treeHead }),
    progress: (events) => console.log(`  ${events} events read`),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(describeVerification(result));
  console.log(`  in ${seconds.toFixed(1)} s (${Math.round(result.events / seconds)} events/s)`);
  exit(result.ok ? 0 : 1);
});

function treeSizeFrom(args: readonly string[]): number | undefined {
  if (args.length === 0) return undefined;
  const [flag, value] = args[0]!.includes('=') ? args[0]!.split('=', 2) : [args[0], args[1]];
  const size = Number(value);
  if (flag !== '--tree-size' || !Number.isSafeInteger(size) || size < 0) {
    throw new Error(
      `usage: npm run audit:verify [-- --tree-size <events in the latest signed tree head>] (got ${args.join(' ')})`,
    );
  }
  return size;
}
