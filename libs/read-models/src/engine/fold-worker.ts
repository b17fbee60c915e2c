/**
 * A worker thread folding one partition of the history (see `foldHistoryInParallel`): it opens its
 * own store, Redis and projections through the setup module it is given, folds the streams of its
 * partition up to the head, writes their data (no checkpoints), and reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parsePosition } from '@app/event-store';
import { foldHistory } from './history-fold';
import type { FoldWorkerData, FoldWorkerMessage, FoldWorkerSetup } from './parallel-fold';

async function run(data: FoldWorkerData): Promise<void> {
  const setupModule = (await import(data.setup.module)) as {
    openFoldWorker(data: unknown): Promise<FoldWorkerSetup>;
  };
  const setup = await setupModule.openFoldWorker(data.setup.data);
  const post = (message: FoldWorkerMessage) => parentPort!.postMessage(message);
  try {
    const head = parsePosition(data.head);
    if (!head) throw new Error(`not a position: ${data.head}`);
    const result = await foldHistory(setup.store, setup.redis, setup.projections, {
      prefix: data.prefix,
      head,
      partition: data.partition,
      streamsPerWrite: data.streamsPerWrite,
      progress: (events) => post({ kind: 'progress', events }),
    });
    post({
      kind: 'done',
      projections: setup.projections.map((projection) => projection.name),
      events: result.events,
      failures: result.failures,
    });
  } finally {
    await setup.close();
  }
}

// A rejection here is unhandled, which ends the thread: the main thread gets it as the worker's 'error' event.
void run(workerData as FoldWorkerData);
