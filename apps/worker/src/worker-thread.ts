// The worker app on a thread of the all-in-one server (`npm start`, WORKER_IN_PROCESS=true),
// started by apps/api/src/worker-in-process.ts: the same app as the scale-out worker process,
// with the same configuration (the thread sees the process's environment), on the Redis the
// server resolved. Projections and reminders run beside the api, not on its event loop.
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '@app/platform';
import { startWorker } from './start-worker';

export interface WorkerThreadData {
  readonly redisUrl: string;
}

/** To the thread: stop. From it: started, stopped. */
export type WorkerThreadMessage = 'stop' | 'started' | 'stopped';

if (parentPort) {
  const port = parentPort;
  const { redisUrl } = workerData as WorkerThreadData;
  // A failure to start is thrown out of the thread: the server sees it as the thread's error.
  void startWorker(loadConfig(), redisUrl).then((app) => {
    port.on('message', (message: WorkerThreadMessage) => {
      if (message === 'stop') void app.close().then(() => port.postMessage('stopped' satisfies WorkerThreadMessage));
    });
    port.postMessage('started' satisfies WorkerThreadMessage);
  });
}
