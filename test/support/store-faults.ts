import type { EventStore, Subscription } from '../../libs/event-store/src';

// Faults and pauses injected around a real event store, to hold a runner at a chosen point.

/** The store, with each subscription it opens changed by `wrap` (a pause to hold a replay mid-way). */
export function withSubscriptions(store: EventStore, wrap: (inner: Subscription) => Subscription): EventStore {
  return {
    description: store.description,
    append: (...args) => store.append(...args),
    readStream: (...args) => store.readStream(...args),
    readAll: (options) => store.readAll(options),
    readAllByStream: (options) => store.readAllByStream(options),
    subscribeToAll: (options) => wrap(store.subscribeToAll(options)),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

/** Passes `count` events, then holds the next until `gate` resolves (and drops it if unsubscribed meanwhile). */
export const pausedAfter =
  (count: number, gate: Promise<void>) =>
  (inner: Subscription): Subscription => {
    let ended = false;
    return {
      unsubscribe: () => {
        ended = true;
        return inner.unsubscribe();
      },
      async *[Symbol.asyncIterator]() {
        let passed = 0;
        for await (const event of inner) {
          if (passed++ === count) await gate;
          if (ended) return;
          yield event;
        }
      },
    };
  };

/** Takes `delayMs` to end, as a subscription does that must first finish the read it has in flight. */
export const slowToEnd =
  (delayMs: number) =>
  (inner: Subscription): Subscription => ({
    unsubscribe: async () => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await inner.unsubscribe();
    },
    [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
  });
