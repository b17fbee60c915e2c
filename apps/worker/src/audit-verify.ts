import 'reflect-metadata';
import { openEventStore } from '@app/event-store';
import { eventStoreConnectionFor, runMain } from '@app/platform';
import { describeVerification, verifyStore } from './audit/verify-store';

/**
 * `npm run audit:verify [-- --tree-size <n>]`: re-reads the whole event store (the one the
 * configuration names, embedded or EventStoreDB) in `$all` order and verifies each stream's hash
 * chain. Prints the first altered, removed, inserted or reordered event (stream, revision,
 * position) and exits 1, or says all is well with the counts and exits 0. `--tree-size` is the
 * size of the latest signed tree head: a store holding fewer events lost its last ones, which
 * per-stream chains alone cannot see.
 */
runMain(async (config, onShutdown, exit) => {
  const treeSize = treeSizeFrom(process.argv.slice(2));
  const store = openEventStore(eventStoreConnectionFor(config));
  onShutdown(() => store.close());
  console.log(`verifying the hash chains of ${store.description}`);
  const started = performance.now();
  const result = await verifyStore(store, {
    ...(treeSize === undefined ? {} : { treeHead: { size: treeSize } }),
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
