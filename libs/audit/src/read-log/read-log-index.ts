import type Redis from 'ioredis';
import { comparePositions, formatPosition, parsePosition, type EventStore, type RecordedEvent } from '@app/event-store';
import { MAX_READS_PER_EVENT, READ_LOG_PREFIX, readsRecordedBy } from './read-log';

/** A read as the access log shows it, with the event that records it (stream and revision). */
export interface AccessLogEntry {
  readonly stream: string;
  readonly revision: string;
  readonly readAt: string;
  readonly reader: { readonly userId: string; readonly role: string; readonly agency: string };
  readonly route: string;
  readonly reason: string | null;
}

export interface AccessLogPage {
  readonly reads: readonly AccessLogEntry[];
  /** Pass as `after` for the next page; null on the last. */
  readonly next: string | null;
}

/**
 * Each case's reads, found in the read log's shared streams (`read-log.ts`): a sorted set per case
 * in Redis whose members say where each read is (`<position of its event> <place in the event>`,
 * a few bytes: the read itself stays in the store, and a page reads its events back), scored by
 * that order in `$all` (the event's commit position × 1,024 plus the place, an event holding at
 * most 1,000 reads), filled by catching up on the read log from a checkpoint. The event store
 * stays the record; the index is made again from it whenever Redis loses it (no checkpoint: from
 * the start). Catching up is idempotent (a read's member and score are functions of its event),
 * so the worker's timer and a query's own catch-up may run side by side in any processes.
 */
export class ReadLogIndex {
  private readonly checkpointKey: string;
  private readonly caseKeyPrefix: string;
  /** This process's catch-up in progress; a second caller waits for the next one, which sees its reads. */
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly redis: Redis,
    prefix: string,
    private readonly batchSize = 1_000,
  ) {
    this.checkpointKey = `${prefix}:read-log:checkpoint`;
    this.caseKeyPrefix = `${prefix}:read-log:case:`;
  }

  /** Indexes every read-log event the store holds now; resolves once they are in Redis. */
  catchUp(): Promise<void> {
    if (!this.running) {
      this.running = this.indexFromCheckpoint().finally(() => (this.running = undefined));
      return this.running;
    }
    // One already runs: it may have read past where reads recorded since would be, so run once more after it.
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.catchUp();
      });
    return this.queued;
  }

  /** Resolves when this process's catch-up in progress (if any) has ended, however it ended. */
  async idle(): Promise<void> {
    while (this.running || this.queued) await (this.queued ?? this.running)!.catch(() => undefined);
  }

  /** A page of a case's reads, oldest first, as indexed so far (`catchUp` first to include the newest). */
  async page(caseId: string, options: { readonly limit: number; readonly after?: number }): Promise<AccessLogPage> {
    const from = options.after === undefined ? '-inf' : `(${options.after}`;
    const found = await this.redis.zrangebyscore(
      this.caseKeyPrefix + caseId,
      from,
      '+inf',
      'WITHSCORES',
      'LIMIT',
      0,
      options.limit + 1,
    );
    const shown: { position: string; place: number; score: string }[] = [];
    for (let at = 0; at < found.length && shown.length < options.limit; at += 2) {
      const [position, place] = found[at]!.split(' ');
      shown.push({ position: position!, place: Number(place), score: found[at + 1]! });
    }
    // The reads themselves are in the events, read once each.
    const positions = [...new Set(shown.map(({ position }) => position))];
    const events = new Map(
      await Promise.all(positions.map(async (position) => [position, await this.eventAt(position)] as const)),
    );
    const reads: AccessLogEntry[] = [];
    for (const { position, place } of shown) {
      const event = events.get(position);
      const read = event && readsRecordedBy(event)[place];
      // Indexed from this very event, so it is there unless the store lost it (`audit:verify` says so).
      if (!event || !read) throw new Error(`the read log's event at ${position} is not in the store`);
      reads.push({
        stream: event.stream,
        revision: event.revision.toString(),
        readAt: event.recordedAt.toISOString(),
        reader: read.reader,
        route: read.route,
        reason: read.reason ?? null,
      });
    }
    return { reads, next: found.length > 2 * options.limit ? shown.at(-1)!.score : null };
  }

  private async eventAt(text: string): Promise<RecordedEvent | undefined> {
    const position = parsePosition(text);
    if (!position) return undefined;
    for await (const event of this.store.readAll({ fromPosition: position, maxCount: 1 })) {
      return comparePositions(event.position, position) === 0 ? event : undefined;
    }
    return undefined;
  }

  private async indexFromCheckpoint(): Promise<void> {
    const checkpoint = await this.redis.get(this.checkpointKey);
    const after = checkpoint === null ? undefined : parsePosition(checkpoint);
    const events = this.store.readAll({
      fromPosition: after ?? 'start',
      filter: { on: 'streamName', prefixes: [READ_LOG_PREFIX] },
    });
    let batch: RecordedEvent[] = [];
    for await (const event of events) {
      // `readAll` includes the event at its start, indexed already.
      if (after && comparePositions(event.position, after) === 0) continue;
      batch.push(event);
      if (batch.length >= this.batchSize) {
        await this.index(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.index(batch);
  }

  /** Adds the reads these events record, then moves the checkpoint past them. */
  private async index(events: readonly RecordedEvent[]): Promise<void> {
    const write = this.redis.pipeline();
    for (const event of events) {
      const base = Number(event.position.commit) * 1_024;
      const position = formatPosition(event.position);
      const reads = readsRecordedBy(event);
      for (let place = 0; place < reads.length && place < MAX_READS_PER_EVENT; place++) {
        // Where the read is, not what it says: a few bytes a read in Redis, the read itself in the store.
        write.zadd(this.caseKeyPrefix + reads[place]!.caseId, base + place, `${position} ${place}`);
      }
    }
    write.set(this.checkpointKey, formatPosition(events[events.length - 1]!.position));
    const results = await write.exec();
    const failed = results?.find(([error]) => error)?.[0];
    if (failed) throw failed;
  }
}
