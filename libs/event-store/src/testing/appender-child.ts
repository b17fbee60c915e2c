// A separate process that appends to one stream and prints "ack <revision> <id> <position>" once
// each append has resolved. Modes: "loop" appends until killed; "once" appends one event and
// exits; "paced:<ms>:<count>" appends <count> events <ms> apart, each carrying its send time.
// Used by the durability contract test (killed with SIGKILL mid-loop), the cross-process tests
// and the benchmark's cross-process subscription latency.
import { randomUUID } from 'node:crypto';
import { openEventStore, type EventStoreConnection } from '../open-event-store';

async function main(): Promise<void> {
  const [connectionJson, stream, mode] = process.argv.slice(2);
  const store = openEventStore(JSON.parse(connectionJson!) as EventStoreConnection);
  const [kind, pauseMs, count] = (mode ?? 'loop').split(':');
  let revision: bigint | 'no_stream' = 'no_stream';
  for (let sent = 0; kind === 'loop' || sent < (kind === 'once' ? 1 : Number(count)); sent++) {
    if (kind === 'paced') await new Promise((resolve) => setTimeout(resolve, Number(pauseMs)));
    const id = randomUUID();
    const result = await store.append(stream!, [{ id, type: 'HeartbeatRecorded', data: { at: Date.now() } }], {
      expectedRevision: kind === 'loop' ? revision : 'any',
    });
    revision = result.nextExpectedRevision;
    process.stdout.write(`ack ${revision} ${id} ${result.position.commit}\n`);
  }
  await store.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
