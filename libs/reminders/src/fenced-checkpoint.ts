import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import { formatPosition, parsePosition, type Position } from '@app/event-store';
import type { ReminderKeys } from './reminder-jobs';

/** This process no longer holds the reminders lease, or another moved the checkpoint: it must not write. */
export class FencedOut extends Error {
  override readonly name = 'FencedOut';
}

/**
 * The reminder subscription's checkpoint, written only by the lease's holder and only over the
 * value it last read or wrote: a write WATCHes the checkpoint, checks the lease is still its own,
 * and goes in one MULTI with what it records. A process that lost the lease (it paused past its
 * expiry, Redis was emptied under it) writes nothing once the new holder has taken the lease, and
 * its write aborts if the new holder writes the checkpoint meanwhile. (Not the lease itself: every
 * renewal touches it and would abort the holder's own writes.)
 */
export class FencedCheckpoint {
  private last: string | null = null;

  /** `connection` is this holder's own: WATCH belongs to a connection. */
  constructor(
    private readonly connection: Redis,
    private readonly keys: ReminderKeys,
    private readonly owner: string,
  ) {}

  /** Where the last read or write left it; `undefined` when there is none (nothing scheduled, or Redis emptied). */
  get position(): Position | undefined {
    return this.last === null ? undefined : parsePosition(this.last);
  }

  async read(): Promise<Position | undefined> {
    this.last = await this.connection.get(this.keys.checkpoint);
    if (this.last !== null && !parsePosition(this.last)) {
      throw new Error(`${this.keys.checkpoint} holds "${this.last}", not a position`);
    }
    return this.position;
  }

  /** Throws `FencedOut` unless the lease is ours and the checkpoint is where this holder left it. */
  async check(): Promise<void> {
    const [checkpoint, holder] = await this.connection.mget(this.keys.checkpoint, this.keys.lease);
    if (holder !== this.owner) throw new FencedOut('the reminders lease is no longer held here');
    if (checkpoint !== this.last) throw new FencedOut('another process moved the reminders checkpoint');
  }

  /** Moves the checkpoint (`undefined`: removes it) together with `writes`, atomically, if still fenced in. */
  async commit(position: Position | undefined, writes?: (tx: ChainableCommander) => void): Promise<void> {
    await this.connection.watch(this.keys.checkpoint);
    try {
      await this.check();
    } catch (error) {
      await this.connection.unwatch();
      throw error;
    }
    const next = position ? formatPosition(position) : null;
    const tx = this.connection.multi();
    writes?.(tx);
    if (next === null) tx.del(this.keys.checkpoint);
    else tx.set(this.keys.checkpoint, next);
    const results = await tx.exec();
    if (!results) throw new FencedOut('the reminders checkpoint changed during the write');
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0]!;
    this.last = next;
  }
}
