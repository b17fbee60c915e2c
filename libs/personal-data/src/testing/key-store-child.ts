// A separate process that creates data keys and prints "key <subject> <keyId>" once each create
// has resolved (or "error <subject> <name>"). It prints "ready" once its store is open and starts
// on the first line read from stdin, so several children can be released at the same moment.
// Modes: "race <prefix> <count>" creates subjects <prefix>-0 … <prefix>-<count - 1> one after
// another and exits; "loop <prefix>" goes on until it is killed. Used by the key store contract's
// cross-process race and SIGKILL durability tests.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { openKeyStore, type KeyStoreConnection } from '../open-key-store';

async function main(): Promise<void> {
  const [connectionJson, mode, prefix, count] = process.argv.slice(2);
  const store = await openKeyStore(JSON.parse(connectionJson!) as KeyStoreConnection);
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await once(lines, 'line');
  lines.close();
  for (let n = 0; mode === 'loop' || n < Number(count); n++) {
    const subject = `${prefix}-${n}`;
    const keyId = randomBytes(16).toString('base64url');
    try {
      const stored = await store.create({ keyId, subject, wrapped: randomBytes(60), kekId: 'kek-child' });
      process.stdout.write(`key ${subject} ${stored.keyId}\n`);
    } catch (error) {
      process.stdout.write(`error ${subject} ${(error as Error).name}: ${(error as Error).message}\n`);
    }
  }
  await store.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
