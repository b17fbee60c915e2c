import type { RecordedEvent, Subscription } from './event-store.port';

const TURN_ENDED = Symbol('turn ended');

/**
 * Groups what an async iterable yields into arrays: everything already available (up to
 * `maxSize`) goes into one batch, and a batch is handed on as soon as the source would have to
 * wait. Catching up reads big batches; live events come through at once, alone or a few together.
 */
export async function* inBatches<T>(source: AsyncIterable<T>, maxSize: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  try {
    for (;;) {
      const first = await (pending ?? iterator.next());
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      // One timer per batch: it fires when the event loop turns, i.e. when the source had to wait.
      let turnEnded: Promise<typeof TURN_ENDED> | undefined;
      while (batch.length < maxSize) {
        pending = iterator.next();
        turnEnded ??= new Promise((resolve) => setImmediate(resolve, TURN_ENDED));
        const next = await Promise.race([pending, turnEnded]);
        if (next === TURN_ENDED) break;
        pending = undefined;
        if (next.done) {
          yield batch;
          return;
        }
        batch.push(next.value);
      }
      yield batch;
    }
  } finally {
    await iterator.return?.();
  }
}

/**
 * Hands a subscription's events to `handle` in batches (`inBatches`) until the subscription
 * ends, `handle` returns `false`, or `handle` throws (rethrown). The subscription is ended
 * before the loop is left, whichever way: that ends the read the batching has in flight.
 */
export async function followInBatches(
  subscription: Subscription,
  maxSize: number,
  handle: (batch: RecordedEvent[]) => Promise<boolean | void>,
): Promise<void> {
  try {
    for await (const batch of inBatches(subscription, maxSize)) {
      const more = await handle(batch).catch(async (error: unknown) => {
        await subscription.unsubscribe();
        throw error;
      });
      if (more === false) {
        await subscription.unsubscribe();
        break;
      }
    }
  } finally {
    await subscription.unsubscribe();
  }
}
