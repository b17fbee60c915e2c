/**
 * One command at a time per stream, within this process. Commands on one stream that run
 * together all read the same revision and all but one lose the append: each loser re-reads and
 * re-decides, and under load some run out of retries (409) although nothing they decided was
 * wrong. Taking turns per stream costs no more than the winning append did, wastes no decisions,
 * and leaves conflicts only to writers in other processes. Commands on different streams still
 * run together (and share the store's group commit).
 */
export class StreamQueue {
  /** Per stream with work queued: when the last queued command is done. */
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(stream: string, command: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(stream);
    const result = previous ? previous.then(command) : command();
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(stream, tail);
    // Forget an idle stream, so the map holds only streams with work in hand.
    void tail.then(() => {
      if (this.tails.get(stream) === tail) this.tails.delete(stream);
    });
    return result;
  }

  /** Streams with commands in hand. */
  get size(): number {
    return this.tails.size;
  }
}
