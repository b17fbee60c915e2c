// A separate process that appends to one stream and prints "ack <revision> <id>" once each
// append has resolved (mode "loop": until killed; mode "once": one append, then exit).
// Used by the durability contract test (killed with SIGKILL mid-loop) and cross-process tests.
import { randomUUID } from 'node:crypto';
import { openEventStore, type EventStoreConnection } from '../open-event-store';

async function main(): Promise<void> {
  const [connectionJson, stream, mode] = process.argv.slice(2);
  const store = openEventStore(JSON.parse(connectionJson!) as EventStoreConnection);
  let revision: bigint | 'no_stream' = 'no_stream';
  do {
    const id = randomUUID();
    const result = await store.append(stream!, [{ id, type: 'HeartbeatRecorded', data: { at: Date.now() } }], {
      expectedRevision: mode === 'once' ? 'any' : revision,
    });
    revision = result.nextExpectedRevision;
    process.stdout.write(`ack ${revision} ${id} ${result.position.commit}\n`);
  } while (mode === 'loop');
  await store.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
