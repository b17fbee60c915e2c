// The thread that commits for an embedded store opened with `commitThread` (started by
// `threaded-commits.ts`): its own connection to the same file, one batch at a time, answered
// once the batch's transaction is on disk. Only what it needs is imported here: it is loaded
// on its own, by file path.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeBatch, encodeOutcomes, type BatchMessage } from './batch-message';
import { batchCommitter, openDatabase } from './commit-batch';

export interface CommitThreadData {
  readonly file: string;
  readonly busyTimeoutMs: number;
  /** False only for a benchmark's baseline: events without chain hashes. */
  readonly chained: boolean;
}

/** A batch and its outcomes cross as flat arrays (`batch-message.ts`). */
export type CommitThreadRequest = { readonly id: number; readonly batch: BatchMessage } | 'close';

export type CommitThreadReply =
  | { readonly id: number; readonly outcomes: bigint[] }
  | { readonly id: number; readonly error: { readonly message: string; readonly code?: string } };

if (parentPort) {
  const port = parentPort;
  const { file, busyTimeoutMs, chained } = workerData as CommitThreadData;
  const db = openDatabase(file, busyTimeoutMs);
  const commit = batchCommitter(db, chained);
  port.on('message', (request: CommitThreadRequest) => {
    if (request === 'close') {
      db.close();
      port.close();
      return;
    }
    let reply: CommitThreadReply;
    try {
      reply = { id: request.id, outcomes: encodeOutcomes(commit(decodeBatch(request.batch))) };
    } catch (error) {
      const { message, code } = error as { message: string; code?: string };
      reply = { id: request.id, error: { message, ...(typeof code === 'string' ? { code } : {}) } };
    }
    port.postMessage(reply);
  });
}
