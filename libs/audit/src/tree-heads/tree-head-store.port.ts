/**
 * The port for keeping signed tree heads (tree-head.ts, after RFC 9162 section 4.10) beside the
 * Merkle tree they commit to, and the public keys that signed them.
 */
import { type Hash } from '../merkle/hashing';
import { type SignedTreeHead } from './tree-head';

export interface TreeHeadStore {
  /** Keeps a signed head, and its key's public key; refuses (`TreeHeadRegression`) one smaller than the latest. */
  append(head: SignedTreeHead, publicKey: Buffer): Promise<void>;
  /** The newest head, or `undefined` before the first. */
  latest(): Promise<SignedTreeHead | undefined>;
  /** The newest head for exactly `treeSize` leaves. */
  forSize(treeSize: number): Promise<SignedTreeHead | undefined>;
  /** The first head covering at least `treeSize` leaves: the one to prove leaf `treeSize - 1` against. */
  firstCovering(treeSize: number): Promise<SignedTreeHead | undefined>;
  /** The raw public key of a key that signed heads here. */
  publicKey(keyId: Hash): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

/** A head for fewer leaves than one already kept: heads only ever grow. */
export class TreeHeadRegression extends Error {
  override readonly name = 'TreeHeadRegression';
  constructor(
    readonly latestSize: number,
    readonly givenSize: number,
  ) {
    super(`the latest tree head covers ${latestSize} events; a head for ${givenSize} cannot follow it`);
  }
}
