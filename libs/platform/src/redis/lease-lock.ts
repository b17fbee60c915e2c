import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A Redis lock held for a lease: the holder renews it well before it expires, and if the holder
 * dies the lease runs out and another process takes the lock. Renewing and releasing check the
 * owner, so a holder that lost the lock cannot extend or delete another's.
 */
export class LeaseLock {
  readonly owner = randomUUID();

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly leaseMs: number,
  ) {}

  async tryAcquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.owner, 'PX', this.leaseMs, 'NX')) === 'OK';
  }

  /**
   * Takes the lock whoever holds it. The holder finds it gone at its next renewal, and its
   * fenced writes (which check the owner) fail from now on; it tries again once this releases.
   */
  async seize(): Promise<void> {
    await this.redis.set(this.key, this.owner, 'PX', this.leaseMs);
  }

  /** False when the lock is no longer ours (the lease ran out and maybe another took it). */
  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.owner, this.leaseMs)) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.owner);
  }
}
