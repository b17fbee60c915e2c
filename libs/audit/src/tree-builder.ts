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
 * loop, the reminder subscription's (`LeasedFollower`). A builder that lost the lease mid-batch is refused by the
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
  parsePosition,
  type EventStore,
  type Position,
  type RecordedEvent,
} from '@app/event-store';
import { LeaseLock } from '@app/platform/redis/lease-lock';
import { LeasedFollower, type FollowerHolding, type HeldLease } from '@app/platform/redis/leased-follower';
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

export class AuditTreeBuilder {
  readonly lease: LeaseLock;
  private readonly follower: LeasedFollower<FollowerHolding>;
  private readonly policy: TreeHeadSigningPolicy;
  private readonly log: (message: string) => void;
  private readonly alarm: (message: string) => void;
  private readonly now: () => Date;
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
    this.follower = new LeasedFollower(store, this.lease, {
      name: 'audit tree',
      lostMessage: 'lost the audit lease; stopped building here',
      log: this.log,
      batchSize: options.batchSize,
      open: (lease) => this.holding(lease),
      failed: (error) => {
        if (!(error instanceof EventStoreCutShort)) return undefined;
        this.alarm(`audit tree: ${error.message}`);
        return options.truncatedRetryMs ?? 30_000;
      },
    });
  }

  /** Runs the loop: tries for the lease until it holds it, then builds until stopped or the lease is lost. */
  start(): void {
    this.follower.start();
  }

  /** Ends the loop after the batch in progress, and gives the lease up. */
  async stop(): Promise<void> {
    await this.follower.stop();
    await this.signing.catch(() => undefined);
  }

  /** Resolves the next time this builder catches up with the store's head (for tests and tools). */
  caughtUp(): Promise<void> {
    return new Promise((resolve) => this.caughtUpListeners.push(resolve));
  }

  /**
   * One holding of the lease: opens the tree, checks where it resumes (`checkedStart`), signs on a
   * timer (T seconds must hold without events), and appends each batch, signing once on reaching
   * the store's head as it was at the start, and then letting events gather between batches.
   */
  private holding(lease: HeldLease): FollowerHolding {
    let log: MerkleLog | undefined;
    let from: Position | 'start' = 'start';
    /** While behind: the store's head to reach before signing as caught up. */
    let head: Position | undefined;
    let ticker: NodeJS.Timeout | undefined;
    return {
      start: async () => {
        const opened = (log = await MerkleLog.open(this.tree));
        from = await this.checkedStart(opened);
        this.log(`audit tree: holds the audit lease; ${opened.treeSize} leaves, following $all from there`);
        const tickMs = this.options.tickMs ?? Math.min(1_000, this.policy.maxUnsignedSeconds * 250);
        ticker = setInterval(
          () => void this.sign(opened, 'if-due', lease).catch((error: unknown) => this.failed(error)),
          tickMs,
        );
        const storeHead = await this.headPosition();
        if (storeHead !== undefined && (from === 'start' || comparePositions(from, storeHead) < 0)) head = storeHead;
        else await this.sign(opened, 'caught-up', lease);
      },
      from: () => from,
      handle: async (batch) => {
        await this.append(log!, batch);
        from = batch.at(-1)!.position;
        if (head !== undefined && comparePositions(from, head) >= 0) {
          head = undefined;
          await this.sign(log!, 'caught-up', lease);
        } else {
          await this.sign(log!, 'if-due', lease);
        }
        if (head === undefined && lease.active) await lease.pause(this.options.gatherMs ?? 200);
      },
      close: async () => {
        clearInterval(ticker);
        await this.signing.catch(() => undefined);
      },
    };
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

  private async append(log: MerkleLog, batch: readonly RecordedEvent[]): Promise<void> {
    const hashes: Hash[] = [];
    const leaves: LeafSource[] = [];
    for (const event of batch) {
      hashes.push(auditLeafHash(event));
      leaves.push({ stream: event.stream, revision: event.revision });
    }
    await log.append(hashes, { leaves, lastPosition: formatPosition(batch.at(-1)!.position) });
  }

  /**
   * Signs a head for the tree as it is now when the signing rule says so (`if-due`), or, having
   * caught up, whenever the latest head does not cover every leaf. One signing at a time.
   */
  private sign(log: MerkleLog, why: 'if-due' | 'caught-up', lease: HeldLease): Promise<void> {
    const next = this.signing.then(async () => {
      if (lease.lost) return;
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
}
