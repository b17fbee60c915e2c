/** Conversions between the generated protobuf messages and plain values, and gRPC errors. */
import { Metadata, type ServerErrorResponse, type status } from '@grpc/grpc-js';
import { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';

export function streamNameOf(identifier: StreamIdentifier | undefined): string | undefined {
  return identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : undefined;
}

export function streamIdentifier(name: string): StreamIdentifier {
  return new StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));
}

/** A UUID in either wire form (the client sends `string`), as lower-case text. */
export function uuidText(uuid: UUID | undefined): string | undefined {
  if (!uuid) return undefined;
  if (uuid.hasString()) return uuid.getString().toLowerCase();
  const structured = uuid.getStructured();
  if (!structured) return undefined;
  const hex = (bits: string) => BigInt.asUintN(64, BigInt(bits)).toString(16).padStart(16, '0');
  const all = hex(structured.getMostSignificantBits()) + hex(structured.getLeastSignificantBits());
  return `${all.slice(0, 8)}-${all.slice(8, 12)}-${all.slice(12, 16)}-${all.slice(16, 20)}-${all.slice(20)}`;
}

/** A UUID in the form the reader asked for (`ReadReq.Options.uuid_option`). */
export function uuidMessage(id: string, structured: boolean): UUID {
  const uuid = new UUID();
  if (!structured) return uuid.setString(id);
  const hex = id.replace(/-/g, '');
  // The halves are signed int64 on the wire (the client reads them back with setBigUint64).
  const half = (part: string) => BigInt.asIntN(64, BigInt(`0x${part}`)).toString(10);
  return uuid.setStructured(
    new UUID.Structured().setMostSignificantBits(half(hex.slice(0, 16))).setLeastSignificantBits(half(hex.slice(16))),
  );
}

/**
 * A failed call as EventStoreDB reports one: a status code plus an `exception` trailer naming the
 * error, which is what the client's `convertToCommandError` (dist/utils/CommandError.js) switches
 * on, and any trailers that error's constructor reads (e.g. `maximum-append-size`).
 */
export function rpcError(
  code: status,
  exception: string | undefined,
  details: string,
  trailers: Record<string, string> = {},
): ServerErrorResponse {
  const metadata = new Metadata();
  if (exception) metadata.set('exception', exception);
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(details), { code, details, metadata });
}
