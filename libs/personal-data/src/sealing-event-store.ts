import { randomUUID } from 'node:crypto';
import type {
  AppendOptions,
  AppendResult,
  EventData,
  EventStore,
  ReadAllOptions,
  ReadByStreamOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from '@app/event-store';
import type { Keyring } from './keyring';
import { NOT_CACHED, sealsFor, sealsWithCachedKeys } from './sealed-events';

/**
 * Encrypt on append: every event written through this store has its personal fields sealed under
 * their subject's key by the adapter as it writes the event (`EventData.seal`: on the embedded
 * store's commit thread, off the request's), so neither the log nor anything derived from it by
 * copying (read models in Redis) holds them in clear. This store only says which fields and under
 * which keys (`sealsFor`). Reads pass the stored (sealed) events through: they are opened only on
 * an authorised read.
 */
export class SealingEventStore implements EventStore {
  readonly description: string;

  constructor(
    readonly inner: EventStore,
    readonly keyring: Keyring,
  ) {
    this.description = `${inner.description}, personal data sealed per person (${keyring.store.description})`;
  }

  async append(stream: string, events: readonly EventData[], options?: AppendOptions): Promise<AppendResult> {
    const sealed = events.map((event) => {
      // The id is bound into each field's ciphertext, so it is fixed here.
      const id = event.id ?? randomUUID();
      return {
        ...event,
        id,
        seal: sealsWithCachedKeys(this.keyring, { eventId: id, type: event.type, stream }, event.data),
      };
    });
    // Only an event whose person has no key in memory yet waits (for the key store).
    if (sealed.some((event) => event.seal === NOT_CACHED)) {
      for (const [index, event] of sealed.entries()) {
        if (event.seal !== NOT_CACHED) continue;
        const at = { eventId: event.id, type: event.type, stream };
        sealed[index] = { ...event, seal: await sealsFor(this.keyring, at, event.data) };
      }
    }
    // The store seals the fields as it writes them (the embedded store on its commit thread).
    return this.inner.append(stream, sealed as EventData[], options);
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(stream, options);
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return this.inner.readAll(options);
  }

  readAllByStream(options: ReadByStreamOptions): AsyncIterable<RecordedEvent> {
    return this.inner.readAllByStream(options);
  }

  subscribeToAll(options?: SubscribeToAllOptions): Subscription {
    return this.inner.subscribeToAll(options);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}
