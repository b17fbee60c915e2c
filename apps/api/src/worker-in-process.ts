import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { settledWithin } from '@app/platform/settled-within';
import type { WorkerThreadData, WorkerThreadMessage } from '../../worker/src/worker-thread';

export interface WorkerInProcess {
  /** Stops the worker app (projections, reminders) and ends its thread. */
  stop(): Promise<void>;
}

/** How long the worker app may take to stop before its thread is ended regardless. */
const STOP_LIMIT_MS = 10_000;

/**
 * The worker of `npm start` (WORKER_IN_PROCESS=true): the scale-out worker's app on a thread of
 * this process (`apps/worker/src/worker-thread.ts`). On the api's own event loop, projections and
 * reminder scheduling took 40% of the CPU of each command at 64 clients; on a thread they run
 * beside it, as they do in the scale-out worker process. Resolves once the worker has started;
 * rejects if it cannot. `onFailure` is told if the thread ends later without being asked to.
 */
export function startWorkerInProcess(redisUrl: string, onFailure: (error: Error) => void): Promise<WorkerInProcess> {
  const entry = join(__dirname, '..', '..', 'worker', 'src', `worker-thread${extname(__filename)}`);
  const workerData: WorkerThreadData = { redisUrl };
  // Under ts-node-like loaders (benchmarks run from source) the thread loads TypeScript the same way.
  const thread =
    extname(__filename) === '.ts'
      ? new Worker(`require('@swc-node/register'); require(${JSON.stringify(entry)});`, { eval: true, workerData })
      : new Worker(entry, { workerData });
  let started = false;
  let stopping = false;
  return new Promise<WorkerInProcess>((resolve, reject) => {
    const failed = (error: Error) => {
      if (stopping) return;
      if (started) onFailure(error);
      else reject(error);
    };
    thread.on('error', failed);
    thread.on('exit', (code) => failed(new Error(`the worker thread ended (exit code ${code})`)));
    thread.on('message', (message: WorkerThreadMessage) => {
      if (message !== 'started') return;
      started = true;
      resolve({
        stop: async () => {
          stopping = true;
          const stopped = new Promise<void>((done) => {
            thread.on('message', (reply: WorkerThreadMessage) => reply === 'stopped' && done());
            thread.once('exit', () => done());
          });
          thread.postMessage('stop' satisfies WorkerThreadMessage);
          await settledWithin(stopped, STOP_LIMIT_MS);
          await thread.terminate();
        },
      });
    });
  });
}
