// A separate process that starts a ManagedRedisServer in the data directory given as its argument,
// prints "ready <redis pid> <port>" and then waits to be killed: the test of what happens to that
// Redis when the process that started it dies by SIGKILL.
import { ManagedRedisServer } from '../../libs/platform/src/redis/managed-redis-server';

async function main(): Promise<void> {
  const server = await ManagedRedisServer.start({ dataDir: process.argv[2]!, appendOnly: false });
  process.stdout.write(`ready ${server.pid} ${server.port}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
