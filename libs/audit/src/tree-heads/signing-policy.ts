/**
 * When the worker signs a new tree head (RFC 9162 section 4.10's STH, ours in tree-head.ts): once
 * `maxUnsignedEvents` events have been appended since the last head, or once the newest event has
 * waited `maxUnsignedSeconds` since it; a tree that has not grown keeps its head. A pure rule: the
 * worker asks it after each batch and on a timer.
 */
import { type TreeHead } from './tree-head';

export interface TreeHeadSigningPolicy {
  /** Sign once this many events are not yet covered by a head. */
  readonly maxUnsignedEvents: number;
  /** Sign once the last head is this old and events have come since. */
  readonly maxUnsignedSeconds: number;
}

export const defaultTreeHeadSigningPolicy: TreeHeadSigningPolicy = { maxUnsignedEvents: 1000, maxUnsignedSeconds: 60 };

/** The log has fewer leaves than a head already signed for it: events were removed. Never sign that. */
export class TreeShrank extends Error {
  override readonly name = 'TreeShrank';
  constructor(
    readonly signedSize: number,
    readonly treeSize: number,
  ) {
    super(`a tree head was signed for ${signedSize} events, but the log now has ${treeSize}`);
  }
}

/** Whether to sign a head for a tree of `treeSize` now, given the last head signed (if any). */
export function shouldSign(
  lastHead: Pick<TreeHead, 'treeSize' | 'timestamp'> | undefined,
  treeSize: number,
  now: Date,
  policy: TreeHeadSigningPolicy,
): boolean {
  // The first head, even of the empty tree: there is always a signed head to show.
  if (lastHead === undefined) return true;
  if (treeSize < lastHead.treeSize) throw new TreeShrank(lastHead.treeSize, treeSize);
  const unsigned = treeSize - lastHead.treeSize;
  if (unsigned === 0) return false;
  if (unsigned >= policy.maxUnsignedEvents) return true;
  // A clock set back makes the head look young; the event count above still bounds what waits.
  return now.getTime() - lastHead.timestamp >= policy.maxUnsignedSeconds * 1000;
}
