/**
 * A test-only gRPC server speaking the EventStoreDB client protocol, over an in-memory log, so
 * tests exercise the real `@eventstore/db-client` end to end where no EventStoreDB can run.
 *
 * What `@eventstore/db-client` 6.2.1 needs for a single-node `esdb://host:port?tls=false`:
 * - no gossip: with one host and no `+discover` it connects straight to the endpoint
 *   (dist/Client/index.js, `resolveUri`), so Gossip is not served;
 * - `ServerFeatures.GetSupportedMethods`, asked once per connection before the first append
 *   (dist/streams/appendToStream/index.js) to choose between BatchAppend and Append;
 * - `Streams.Append` and `Streams.Read` (reads, and catch-up subscriptions to a stream or `$all`).
 * Delete, Tombstone, BatchAppend, persistent subscriptions, projections, users, operations and
 * idempotent re-appends (same event ids) are not implemented.
 *
 * Where EventStoreDB's documentation and the client's own code disagree, this server follows the
 * client's code, and says so where it does: a wrong expected version travels in the append
 * response body (append.ts), `created` is in .NET ticks (read.ts), a missing stream is a
 * `stream_not_found` message rather than a gRPC error (read.ts).
 *
 * A test fixture: not exported by any lib, not used by `npm start`, not a database.
 */
import { randomUUID } from 'node:crypto';
import { Server, ServerCredentials, type handleUnaryCall } from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import type { Empty } from '@eventstore/db-client/generated/shared_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { appendHandler, DEFAULT_MAX_APPEND_SIZE } from './append';
import { EventLog } from './log';
import { readHandler } from './read';

export interface EsdbProtocolServer {
  readonly port: number;
  readonly connectionString: string;
  /** The log itself, for tests that want to look behind the protocol. */
  readonly log: EventLog;
  stop(): Promise<void>;
}

export interface EsdbProtocolServerOptions {
  /** Bytes per append (data + metadata + 2 × type length); EventStoreDB's default is 1 MiB. */
  readonly maxAppendSize?: number;
}

export async function startEsdbProtocolServer(options: EsdbProtocolServerOptions = {}): Promise<EsdbProtocolServer> {
  const log = new EventLog();
  // A real node's `$all` is never empty: it starts with the server's own `$` events (settings,
  // users, scavenges...). One is written here so readers of `$all` must skip them here too.
  log.append('$settings', 'any', [
    {
      id: randomUUID(),
      type: '$settings',
      contentType: 'application/json',
      data: Buffer.from(JSON.stringify({ $userStreamAcl: {}, $systemStreamAcl: {} })),
      metadata: new Uint8Array(),
    },
  ]);

  // Messages up to EventStoreDB's own ceiling (16 MiB appends), so MaxAppendSize is what limits.
  const server = new Server({ 'grpc.max_receive_message_length': 17 * 1024 * 1024 });
  server.addService(StreamsService, {
    read: readHandler(log),
    append: appendHandler(log, options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE),
  });
  const getSupportedMethods: handleUnaryCall<Empty, SupportedMethods> = (_call, callback) =>
    callback(null, supportedMethods());
  server.addService(ServerFeaturesService, { getSupportedMethods });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    port,
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    log,
    // Forced: open subscriptions would otherwise hold a graceful shutdown open forever.
    stop: async () => server.forceShutdown(),
  };
}

/**
 * Only what is implemented. The client compares `/<service>/<method>` lower-cased with the
 * generated method paths (dist/Client/ServerFeatures.js); BatchAppend is absent, so it appends
 * with `Streams.Append`. Features are per-method flags this client only checks for persistent
 * subscriptions and projections, so none are listed.
 */
function supportedMethods(): SupportedMethods {
  const method = (methodName: string) =>
    new SupportedMethod().setServiceName('event_store.client.streams.streams').setMethodName(methodName);
  return new SupportedMethods()
    .setEventStoreServerVersion('0.0.0-esdb-protocol-test-server')
    .setMethodsList([method('read'), method('append')]);
}
