/**
 * Wakes live subscribers when something was committed: at once for commits made through this
 * process's connection (`notify`), and by polling SQLite's `data_version` (which changes when
 * another connection commits) for commits made by other processes. The poll runs only while
 * someone is waiting.
 */
export class CommitSignal {
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private lastVersion: number | undefined;

  constructor(
    private readonly readDataVersion: () => number,
    private readonly options: { pollMs: number },
  ) {}

  notify(): void {
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
    this.notify();
    this.stopPolling();
  }

  private startPolling(): void {
    if (this.timer) return;
    this.lastVersion = this.readDataVersion();
    this.timer = setInterval(() => {
      const version = this.readDataVersion();
      if (version !== this.lastVersion) {
        this.lastVersion = version;
        this.notify();
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
