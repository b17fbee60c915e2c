import { describeEventStoreContract } from '../../../libs/event-store/src/testing/event-store.contract';
import { startEsdbProtocolServer } from '../../support/esdb-protocol-server';

// The real @eventstore/db-client against an in-process server speaking its gRPC protocol. The
// server lives in this jest worker, so the durability test's child process reaches it over TCP.
// EventStoreDB's default MaxAppendSize (1 MiB) is below the contract's 1 MiB-of-characters payload
// (about 1.2 MB of UTF-8); production raises it to 8 MiB (docker/docker-compose.yml,
// KURRENTDB_MAX_APPEND_SIZE), and this server is given the same limit.
const MAX_APPEND_SIZE = 8 * 1024 * 1024;

describeEventStoreContract('EventStoreDB client over the in-process protocol server', async () => {
  const server = await startEsdbProtocolServer({ maxAppendSize: MAX_APPEND_SIZE });
  return {
    connection: { kind: 'eventstoredb', connectionString: server.connectionString },
    cleanup: () => server.stop(),
  };
});
