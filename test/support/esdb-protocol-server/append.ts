/**
 * `Streams.Append`: a client stream of one `options` message then the proposed events; the
 * answer is one `AppendResp` once the client half-closes. Nothing is written before that, so a
 * client that dies mid-call (the durability test SIGKILLs one) leaves no partial append.
 */
import { status, type handleClientStreamingCall, type ServerErrorResponse } from '@grpc/grpc-js';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import { AppendReq, AppendResp } from '@eventstore/db-client/generated/streams_pb';
import type { AppendOutcome, EventLog, ExpectedRevision, ProposedEvent } from './log';
import { rpcError, streamNameOf, uuidText } from './wire';

/** EventStoreDB's default `MaxAppendSize`: the total size of one append's events, in bytes. */
export const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;

export function appendHandler(log: EventLog, maxAppendSize: number): handleClientStreamingCall<AppendReq, AppendResp> {
  return (call, callback) => {
    let target: { readonly stream: string; readonly expected: ExpectedRevision } | undefined;
    const proposed: ProposedEvent[] = [];
    let size = 0;
    let failure: ServerErrorResponse | undefined;

    const fail = (error: ServerErrorResponse) => {
      if (failure) return;
      failure = error;
      callback(error);
    };

    call.on('data', (request: AppendReq) => {
      if (failure) return;
      if (request.hasOptions()) {
        target = parseOptions(request.getOptions()!);
        if (!target)
          fail(rpcError(status.INVALID_ARGUMENT, undefined, 'Append options need a stream and an expected revision'));
        return;
      }
      const message = request.getProposedMessage();
      if (!target || !message)
        return fail(rpcError(status.INVALID_ARGUMENT, undefined, 'Append options must come first'));

      const id = uuidText(message.getId());
      const type = message.getMetadataMap().get('type');
      const contentType = message.getMetadataMap().get('content-type');
      if (type === undefined || contentType === undefined) {
        // What EventStoreDB's RpcExceptions.RequiredMetadataPropertyMissing sends.
        return fail(
          rpcError(status.INVALID_ARGUMENT, 'missing-required-metadata-property', 'Required metadata missing', {
            'required-metadata-properties': type === undefined ? 'type' : 'content-type',
          }),
        );
      }
      if (!id) return fail(rpcError(status.INVALID_ARGUMENT, undefined, 'A proposed event needs an id'));
      const data = message.getData_asU8();
      const metadata = message.getCustomMetadata_asU8();
      // EventStoreDB's Event.SizeOnDisk: data + metadata bytes + two bytes per character of the type.
      size += data.length + metadata.length + type.length * 2;
      if (size > maxAppendSize) {
        return fail(
          rpcError(
            status.INVALID_ARGUMENT,
            'maximum-append-size-exceeded',
            `Maximum Append Size of ${maxAppendSize} Exceeded.`,
            {
              'maximum-append-size': String(maxAppendSize),
            },
          ),
        );
      }
      proposed.push({ id, type, contentType, data, metadata });
    });

    call.on('end', () => {
      if (failure) return;
      if (!target) return fail(rpcError(status.INVALID_ARGUMENT, undefined, 'An append needs options'));
      callback(null, toResponse(log.append(target.stream, target.expected, proposed), target.expected));
    });
  };
}

function parseOptions(options: AppendReq.Options): { stream: string; expected: ExpectedRevision } | undefined {
  const stream = streamNameOf(options.getStreamIdentifier());
  if (!stream) return undefined;
  const Case = AppendReq.Options.ExpectedStreamRevisionCase;
  switch (options.getExpectedStreamRevisionCase()) {
    case Case.REVISION:
      return { stream, expected: BigInt(options.getRevision()) };
    case Case.NO_STREAM:
      return { stream, expected: 'no_stream' };
    case Case.STREAM_EXISTS:
      return { stream, expected: 'stream_exists' };
    case Case.ANY:
      return { stream, expected: 'any' };
    default:
      return undefined;
  }
}

/**
 * Since 20.6.1 EventStoreDB reports a wrong expected version in the response body, not as a
 * gRPC error; the client (dist/streams/appendToStream/append.js) reads only the current fields
 * (`current_revision` / `current_no_stream`, `expected_*`), so the deprecated `*_20_6_0` ones
 * are left unset.
 */
function toResponse(outcome: AppendOutcome, expected: ExpectedRevision): AppendResp {
  const response = new AppendResp();
  if (outcome.ok) {
    const success = new AppendResp.Success();
    if (outcome.revision === 'no_stream') success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.revision.toString());
    if (outcome.position === undefined) success.setNoPosition(new Empty());
    else {
      const position = String(outcome.position);
      success.setPosition(new AppendResp.Position().setCommitPosition(position).setPreparePosition(position));
    }
    return response.setSuccess(success);
  }

  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.current === 'no_stream') wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentRevision(outcome.current.toString());
  if (expected === 'any') wrong.setExpectedAny(new Empty());
  else if (expected === 'no_stream') wrong.setExpectedNoStream(new Empty());
  else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new Empty());
  else wrong.setExpectedRevision(expected.toString());
  return response.setWrongExpectedVersion(wrong);
}
