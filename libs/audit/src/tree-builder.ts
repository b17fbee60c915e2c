/**
 * The worker's builder of the global Merkle tree (RFC 9162 section 2.1.1): one leaf per event of
 * `$all`, in `$all` order, and a signed tree head (tree-heads/) at least every N events or T
 * seconds (`shouldSign`), and once each time it catches up with the head of the store.
 *
 * Leaves: `leafHash(auditLeafBytes(event))`, i.e. over `eventLeafBytes` (stream, revision, chain
 * hash) for a chained event, and over the event's canonical text as stored for one written before
 * the store chained events (chain/event-hash.ts): every event gets a leaf, none is skipped.
 *
 * Checkpoint: the tree itself. Each batch's nodes, its leaves' (stream, revision) → leaf index rows
 * and the `$all` position of its last leaf are written in one transaction (SqliteMerkleTreeStore),
 * so a restart resumes the subscription from exactly that position: no leaf twice, none missed.
 *
 * One builder at a time, whichever holds `<REDIS_KEY_PREFIX>:audit:lease` (LeaseLock), in one serial
 * loop, as the reminder subscription. A builder that lost the lease mid-batch is refused by the
 * store (`MerkleTreeConflict`: the tree has grown under it) and goes back to waiting for the lease.
 *
 * At the start of each holding it checks that the store still has the event of the tree's last
 * leaf, at its position and with the same leaf hash: if not, the event store was cut short or
 * rewritten after the tree covered it (the tree has more leaves than the store has events). It
 * says so loudly, deletes nothing, and does not extend the tree until that is resolved by hand
 * (`npm run audit:verify` names what changed). Works through the `EventStore` port only, so on the
 * embedded store and EventStoreDB alike.
 */
import type Redis from 'ioredis';
import {
  comparePositions,
  formatPosition,
  inBatches,
  parsePosition,
  type EventStore,
  type Position,
  type RecordedEvent,
} from '@app/event-store';
import { LeaseLock } from '@app/platform/redis/lease-lock';
import { auditLeafBytes } from './chain/event-hash';
import { leafHash, type Hash } from './merkle/hashing';
import { MerkleLog } from './merkle/merkle-log';
import { type LeafSource } from './merkle/merkle-tree-store.port';
import { type SqliteMerkleTreeStore } from './merkle/sqlite-merkle-tree-store';
import { type TreeHeadSigningKey } from './tree-heads/signing-key';
import { defaultTreeHeadSigningPolicy, shouldSign, type TreeHeadSigningPolicy } from './tree-heads/signing-policy';
import { type SignedTreeHead } from './tree-heads/tree-head';
import { type TreeHeadStore } from './tree-heads/tree-head-store.port';

export interface AuditTreeBuilderOptions {
  /** The project's Redis key prefix (`REDIS_KEY_PREFIX`): the lease is `<prefix>:audit:lease`. */
  readonly prefix: string;
  readonly signingKey: TreeHeadSigningKey;
  readonly policy?: TreeHeadSigningPolicy;
  readonly log?: (message: string) => void;
  /** For what an operator must act on (a store cut short): loud. */
  readonly alarm?: (message: string) => void;
  readonly now?: () => Date;
  /** How long the lease outlives a holder that died. */
  readonly leaseMs?: number;
  /** The most events appended to the tree in one transaction. */
  readonly batchSize?: number;
  /**
   * Once caught up, how long it lets events gather before the next batch (200 ms): live, each
   * batch would otherwise be an event or two, each its own transaction, on the thread the
   * projections and reminders share. Tree heads are signed every N events or T seconds anyway.
   */
  readonly gatherMs?: number;
  /** How often the signing rule is asked while no event comes (T seconds must hold without events). */
  readonly tickMs?: number;
  /** How long to wait before checking again after finding the store cut short. */
  readonly truncatedRetryMs?: number;
}

/** The leaf hash of an event in the global tree (see the header): what a proof's leaf is checked against. */
export function auditLeafHash(event: RecordedEvent): Hash {
  return leafHash(auditLeafBytes(event));
}

/** The store no longer has what the tree's last leaf was made from. */
export class EventStoreCutShort extends Error {
  override readonly name = 'EventStoreCutShort';
}

const RETRY_MS = 1_000;

export class AuditTreeBuilder {
  readonly lease: LeaseLock;
  private readonly policy: TreeHeadSigningPolicy;
  private readonly log: (message: string) => void;
  private readonly alarm: (message: string) => void;
  private readonly now: () => Date;
  private running: Promise<void> | undefined;
  private stopping = false;
  private interrupt: () => void = () => undefined;
  /** Signing, one at a time (a batch's and the timer's). */
  private signing: Promise<unknown> = Promise.resolve();
  private caughtUpListeners: (() => void)[] = [];

  constructor(
    private readonly store: EventStore,
    redis: Redis,
    private readonly tree: SqliteMerkleTreeStore,
    private readonly heads: TreeHeadStore,
    private readonly options: AuditTreeBuilderOptions,
  ) {
    this.lease = new LeaseLock(redis, `${options.prefix}:audit:lease`, options.leaseMs ?? 5_000);
    this.policy = options.policy ?? defaultTreeHeadSigningPolicy;
    this.log = options.log ?? (() => undefined);
    this.alarm = options.alarm ?? this.log;
    this.now = options.now ?? (() => new Date());
  }

  /** Runs the loop: tries for the lease until it holds it, then builds until stopped or the lease is lost. */
  start(): void {
    this.stopping = false;
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  /** Ends the loop after the batch in progress, and gives the lease up. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.interrupt();
    await this.running;
    await this.signing.catch(() => undefined);
  }

  /** Resolves the next time this builder catches up with the store's head (for tests and tools). */
  caughtUp(): Promise<void> {
    return new Promise((resolve) => this.caughtUpListeners.push(resolve));
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let wait = RETRY_MS;
      try {
        if (await this.lease.tryAcquire()) await this.holding();
      } catch (error) {
        if (error instanceof EventStoreCutShort) {
          this.alarm(`audit tree: ${error.message}`);
          wait = this.options.truncatedRetryMs ?? 30_000;
        } else {
          this.log(`audit tree: ${(error as Error).message}; trying again in ${RETRY_MS} ms`);
        }
      }
      if (!this.stopping) await this.pause(wait);
    }
  }

  private async holding(): Promise<void> {
    const state = { lost: false };
    const renewal = setInterval(
      () =>
        void this.lease.renew().then(
          (kept) => {
            if (!kept) {
              state.lost = true;
              this.interrupt();
            }
          },
          () => undefined, // Redis unreachable: the next renewal tells
        ),
      Math.max(20, Math.floor(this.lease.leaseMs / 3)),
    );
    let ticker: NodeJS.Timeout | undefined;
    try {
      const log = await MerkleLog.open(this.tree);
      const from = await this.checkedStart(log);
      this.log(`audit tree: holds the audit lease; ${log.treeSize} leaves, following $all from there`);
      const tickMs = this.options.tickMs ?? Math.min(1_000, this.policy.maxUnsignedSeconds * 250);
      ticker = setInterval(
        () => void this.sign(log, 'if-due', state).catch((error: unknown) => this.failed(error)),
        tickMs,
      );
      const head = await this.headPosition();
      const behind = head !== undefined && (from === 'start' || comparePositions(from, head) < 0);
      if (!behind) await this.sign(log, 'caught-up', state);
      await this.follow(log, from, behind ? head : undefined, state);
      if (state.lost) this.log('audit tree: lost the audit lease; stopped building here');
    } finally {
      clearInterval(renewal);
      if (ticker) clearInterval(ticker);
      await this.signing.catch(() => undefined);
      await this.lease.release().catch(() => undefined);
    }
  }

  /**
   * Where to resume: after the position of the tree's last leaf, once the store is seen to still
   * hold that event unchanged (else `EventStoreCutShort`; nothing is deleted).
   */
  private async checkedStart(log: MerkleLog): Promise<Position | 'start'> {
    const { treeSize, lastPosition } = await this.tree.checkpoint();
    if (treeSize !== log.treeSize) throw new Error('the tree changed while it was opened');
    if (treeSize === 0) return 'start';
    const position = lastPosition === undefined ? undefined : parsePosition(lastPosition);
    if (position === undefined) {
      throw new EventStoreCutShort(
        `the tree in ${this.tree.file} has ${treeSize} leaves but no position for the last one; not extending it`,
      );
    }
    let found: RecordedEvent | undefined;
    for await (const event of this.store.readAll({ fromPosition: position, maxCount: 1 })) found = event;
    if (found === undefined || comparePositions(found.position, position) !== 0) {
      throw new EventStoreCutShort(
        `THE EVENT STORE HAS FEWER EVENTS THAN THE AUDIT TREE: the tree has ${treeSize} leaves, the last at ` +
          `$all position ${lastPosition}, and the store (${this.store.description}) no longer has an event there. ` +
          'It was cut short or replaced. Nothing is deleted; the tree is not extended until this is resolved ' +
          '(npm run audit:verify names what changed).',
      );
    }
    if (!auditLeafHash(found).equals(await log.leafHash(treeSize - 1))) {
      throw new EventStoreCutShort(
        `THE EVENT AT $all POSITION ${lastPosition} (the audit tree's last leaf, ${found.stream}@${found.revision}) ` +
          'NO LONGER MATCHES ITS LEAF: the store was rewritten. Nothing is deleted; the tree is not extended ' +
          'until this is resolved (npm run audit:verify names what changed).',
      );
    }
    return position;
  }

  /** The position of the newest event in the store, or `undefined` for an empty store. */
  private async headPosition(): Promise<Position | undefined> {
    let head: Position | undefined;
    for await (const event of this.store.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 })) {
      head = event.position;
    }
    return head;
  }

  /** Appends every event after `from` until interrupted; signs once on reaching `head` (if behind it). */
  private async follow(
    log: MerkleLog,
    from: Position | 'start',
    head: Position | undefined,
    state: { lost: boolean },
  ): Promise<void> {
    if (this.stopping || state.lost) return;
    const subscription = this.store.subscribeToAll({ fromPosition: from });
    this.interrupt = () => void subscription.unsubscribe();
    let behind = head !== undefined;
    try {
      for await (const batch of inBatches(subscription, this.options.batchSize ?? 1_000)) {
        // Unsubscribe before leaving the loop: that ends the read the batching has in flight.
        const appended = await this.append(log, batch).catch(async (error: unknown) => {
          await subscription.unsubscribe();
          throw error;
        });
        if (!appended) break;
        const last = batch.at(-1)!.position;
        if (behind && comparePositions(last, head!) >= 0) {
          behind = false;
          await this.sign(log, 'caught-up', state);
        } else {
          await this.sign(log, 'if-due', state);
        }
        if (this.stopping || state.lost) break;
        if (!behind) await new Promise((resolve) => setTimeout(resolve, this.options.gatherMs ?? 200));
      }
    } finally {
      this.interrupt = () => undefined;
      await subscription.unsubscribe();
    }
  }

  private async append(log: MerkleLog, batch: readonly RecordedEvent[]): Promise<boolean> {
    if (this.stopping) return false;
    const hashes: Hash[] = [];
    const leaves: LeafSource[] = [];
    for (const event of batch) {
      hashes.push(auditLeafHash(event));
      leaves.push({ stream: event.stream, revision: event.revision });
    }
    await log.append(hashes, { leaves, lastPosition: formatPosition(batch.at(-1)!.position) });
    return true;
  }

  /**
   * Signs a head for the tree as it is now when the signing rule says so (`if-due`), or, having
   * caught up, whenever the latest head does not cover every leaf. One signing at a time.
   */
  private sign(log: MerkleLog, why: 'if-due' | 'caught-up', state: { lost: boolean }): Promise<void> {
    const next = this.signing.then(async () => {
      if (state.lost) return;
      const latest = await this.heads.latest();
      const treeSize = log.treeSize;
      const now = this.now();
      const due = shouldSign(latest, treeSize, now, this.policy);
      if (due || (why === 'caught-up' && latest?.treeSize !== treeSize)) {
        const head: SignedTreeHead = this.options.signingKey.sign({ treeSize, rootHash: log.rootHash() }, now);
        await this.heads.append(head, this.options.signingKey.publicKey);
      }
      if (why === 'caught-up') for (const listener of this.caughtUpListeners.splice(0)) listener();
    });
    this.signing = next.catch(() => undefined);
    return next;
  }

  private failed(error: unknown): void {
    this.alarm(`audit tree: could not sign a tree head: ${(error as Error).message}`);
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.interrupt = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => (this.interrupt = () => undefined));
  }
}
