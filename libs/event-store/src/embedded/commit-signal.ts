import { BroadcastChannel } from 'node:worker_threads';

/**
 * Wakes live subscribers when something was committed: at once for commits made through this
 * connection (`notify`) and through another connection to the same file on another thread of
 * this process (a broadcast channel: the all-in-one server's worker thread learns of the api's
 * commits without waiting for a poll), and by polling SQLite's `data_version` (which changes when
 * another connection commits) for commits made by other processes. The poll runs only while
 * someone is waiting.
 */
export class CommitSignal {
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastVersion: number | undefined;
  private readonly channel: BroadcastChannel | undefined;

  constructor(
    private readonly readDataVersion: () => number,
    private readonly options: { pollMs: number; channel?: string },
  ) {
    if (options.channel) {
      const channel = new BroadcastChannel(options.channel);
      channel.onmessage = () => this.wake();
      channel.unref();
      this.channel = channel;
    }
  }

  /** A commit through this connection: wakes its waiters and those of the other threads' connections. */
  notify(): void {
    this.wake();
    this.channel?.postMessage(0);
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
    if (this.waiters.size === 0) this.stopPolling();
  }

  wait(maxWaitMs: number): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => {
      const timeout = setTimeout(() => wake(), maxWaitMs);
      timeout.unref();
      wake = () => {
        clearTimeout(timeout);
        this.waiters.delete(wake);
        resolve();
      };
    });
    this.waiters.add(wake);
    this.startPolling();
    return { promise, cancel: () => wake() };
  }

  close(): void {
    this.wake();
    this.stopPolling();
    this.channel?.close();
  }

  private startPolling(): void {
    if (this.timer) return;
    this.lastVersion = this.readDataVersion();
    this.timer = setInterval(() => {
      const version = this.readDataVersion();
      if (version !== this.lastVersion) {
        this.lastVersion = version;
        this.wake();
      }
      if (this.waiters.size === 0) this.stopPolling();
    }, this.options.pollMs);
    this.timer.unref();
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
