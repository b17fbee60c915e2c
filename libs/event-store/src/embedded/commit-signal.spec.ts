import { randomUUID } from 'node:crypto';
import { CommitSignal } from './commit-signal';

describe('CommitSignal', () => {
  const unchanged = () => 1; // data_version never moves: the poll wakes nobody

  it("wakes another connection's waiters on the same file at once, not at its poll or timeout", async () => {
    const channel = `test-commits:${randomUUID()}`;
    const writer = new CommitSignal(unchanged, { pollMs: 60_000, channel });
    const reader = new CommitSignal(unchanged, { pollMs: 60_000, channel });
    const other = new CommitSignal(unchanged, { pollMs: 60_000, channel: `test-commits:${randomUUID()}` });
    try {
      let woken = false;
      let otherWoken = false;
      const { promise } = reader.wait(60_000);
      const otherWait = other.wait(60_000);
      void otherWait.promise.then(() => (otherWoken = true));
      writer.notify();
      await promise.then(() => (woken = true));
      expect(woken).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(otherWoken).toBe(false); // another file's signal is not this one's
      otherWait.cancel();
    } finally {
      writer.close();
      reader.close();
      other.close();
    }
  }, 5_000);
});
