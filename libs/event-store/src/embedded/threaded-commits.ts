import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { decodeOutcomes, encodeBatch } from './batch-message';
import type { AppendOutcome, AppendRequest } from './commit-batch';
import type { CommitThreadData, CommitThreadReply, CommitThreadRequest } from './commit-thread';

/**
 * Commits on a thread of its own (`commit-thread.ts`), so the event loop goes on serving requests
 * while a commit waits for its fsync: the fsync took a tenth of the api's time at 64 clients
 * when it blocked the loop. The thread starts with the first commit (a process that only reads
 * never starts it) and is unreferenced while idle, so it keeps no process alive.
 */
export class ThreadedCommits {
  private worker: Worker | undefined;
  private waiting:
    { id: number; resolve: (outcomes: AppendOutcome[]) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private closing = false;
  private nextId = 0;

  constructor(private readonly data: CommitThreadData) {}

  /** Commits one batch (one at a time); resolves once its transaction is on disk. */
  commit(batch: readonly AppendRequest[]): Promise<AppendOutcome[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('ThreadedCommits takes one batch at a time'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<AppendOutcome[]>((resolve, reject) => {
      this.waiting = { id, resolve, reject };
      // Referenced while a commit is in flight: a process awaiting it must not exit first.
      worker.ref();
      worker.postMessage({ id, batch: encodeBatch(batch) } satisfies CommitThreadRequest);
    });
  }

  /** Ends the thread (after the batch in flight, which the caller awaits first). */
  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage('close' satisfies CommitThreadRequest);
    await exited;
  }

  private start(): Worker {
    const entry = join(__dirname, `commit-thread${extname(__filename)}`);
    // Under ts-node-like loaders (tests, benchmarks) the thread loads TypeScript the same way.
    const worker =
      extname(__filename) === '.ts'
        ? new Worker(`require('@swc-node/register'); require(${JSON.stringify(entry)});`, {
            eval: true,
            workerData: this.data,
          })
        : new Worker(entry, { workerData: this.data });
    worker.on('message', (reply: CommitThreadReply) => {
      const waiting = this.waiting;
      if (!waiting || waiting.id !== reply.id) return this.fail(new Error('the commit thread answered out of turn'));
      this.waiting = undefined;
      worker.unref();
      if ('error' in reply) waiting.reject(Object.assign(new Error(reply.error.message), reply.error));
      else waiting.resolve(decodeOutcomes(reply.outcomes));
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`the commit thread stopped (exit code ${code})`));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** The thread is gone: what was in flight fails (its transaction may or may not have committed), and all that follows. */
  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}
