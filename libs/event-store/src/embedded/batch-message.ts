import type { ExpectedRevision } from '../event-store.port';
import type { SerializedEvent } from '../serialize-events';
import type { AppendOutcome, AppendRequest } from './commit-batch';

/**
 * A batch as it crosses to the commit thread and its outcomes as they come back: flat arrays of
 * strings and numbers, not an object per append and per event. Cloning for `postMessage` costs
 * per object: the flat form took the api thread's share of it from about 2.8 us per append to
 * about 0.6 (and the commit thread's alike), which the read log, an append per case read, feels.
 */
export type BatchMessage = (string | number | bigint)[];

/** `[stream, expected, event count, (id, type, data, metadata, seal) per event]` per append. */
export function encodeBatch(batch: readonly AppendRequest[]): BatchMessage {
  const message: BatchMessage = [];
  for (const { stream, expected, events } of batch) {
    message.push(stream, expected, events.length);
    for (const { id, type, data, metadata, seal } of events) message.push(id, type, data, metadata, seal);
  }
  return message;
}

export function decodeBatch(message: BatchMessage): AppendRequest[] {
  const batch: AppendRequest[] = [];
  for (let at = 0; at < message.length;) {
    const stream = message[at++] as string;
    const expected = message[at++] as ExpectedRevision;
    const count = message[at++] as number;
    const events: SerializedEvent[] = [];
    for (let n = 0; n < count; n++, at += 5) {
      events.push({
        id: message[at] as string,
        type: message[at + 1] as string,
        data: message[at + 2] as string,
        metadata: message[at + 3] as string,
        seal: message[at + 4] as string,
      });
    }
    batch.push({ stream, expected, events });
  }
  return batch;
}

/** Per outcome: written, `revision, position`; refused, `-1, actual` (`-1n`: no stream). */
export function encodeOutcomes(outcomes: readonly AppendOutcome[]): bigint[] {
  const message: bigint[] = [];
  for (const outcome of outcomes) {
    if (outcome.ok) message.push(outcome.revision, outcome.position);
    else message.push(-1n, outcome.actual === 'no_stream' ? -1n : outcome.actual);
  }
  return message;
}

export function decodeOutcomes(message: readonly bigint[]): AppendOutcome[] {
  const outcomes: AppendOutcome[] = [];
  for (let at = 0; at < message.length; at += 2) {
    const [first, second] = [message[at]!, message[at + 1]!];
    outcomes.push(
      first >= 0n
        ? { ok: true, revision: first, position: second }
        : { ok: false, actual: second >= 0n ? second : 'no_stream' },
    );
  }
  return outcomes;
}
