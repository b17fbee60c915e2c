/**
 * The embedded `MerkleTreeStore`: the RFC 9162 (section 2.1.1) tree's nodes in the audit SQLite
 * file, every leaf hash and completed perfect subtree hash in post-order (node-position.ts), packed
 * 64 to a row: a growing tree only appends to the last row or adds rows, and a node is read by key
 * (row = position / 64) and offset. A proof (2.1.3.1, 2.1.4.1) reads O(log n) of them. Packing
 * makes one row write per 32 leaves rather than two per leaf (see bench/audit/merkle.ts).
 */
import type Database from 'better-sqlite3';
import { type CompletedNode } from './compact-range';
import { type Hash, HASH_SIZE, isHash } from './hashing';
import {
  type LeafSources,
  MerkleNodeMissing,
  MerkleTreeConflict,
  type MerkleTreeStore,
} from './merkle-tree-store.port';
import { openAuditDatabase } from './audit-database';
import { completedNodeCount, nodePosition } from './node-position';
import { type NodeId, isTreeSize } from './tree-shape';

/** Nodes to a row: 2 KiB of hashes, which fits in one 4 KiB page. */
const NODES_PER_ROW = 64;

/** The stored rows do not hold what the stored size says: the file was edited or damaged. */
export class MerkleStoreDamaged extends Error {
  override readonly name = 'MerkleStoreDamaged';
}

export class SqliteMerkleTreeStore implements MerkleTreeStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly statements: {
    size: Database.Statement<[], number>;
    setSize: Database.Statement<[number]>;
    insertRow: Database.Statement<[number, Buffer]>;
    row: Database.Statement<[number], Buffer>;
    replaceRow: Database.Statement<[Buffer, number]>;
    node: Database.Statement<[number, number], Buffer>;
    checkpoint: Database.Statement<[], { tree_size: number; last_position: string | null }>;
    setPosition: Database.Statement<[string]>;
    insertLeaf: Database.Statement<[string, bigint, number]>;
    leafIndex: Database.Statement<[string, bigint], number>;
  };
  private readonly appendTransaction: Database.Transaction<
    (fromSize: number, toSize: number, hashes: Buffer, sources: LeafSources | undefined) => void
  >;

  /** `readonly` (the api): reads an existing file the worker keeps, or throws `AuditStoreNotReady`. */
  constructor(
    readonly file: string,
    options: { readonly readonly?: boolean } = {},
  ) {
    this.description = `Merkle tree in ${file}`;
    this.db = openAuditDatabase(file, options);
    // Nodes are derived from the event store and carry their own checkpoint (the tree size, moved in
    // the same transaction), so a power cut may cost the last batches, which the worker appends
    // again, but never leaves them half written; and the tree-head store's FULL commit of a head
    // syncs the WAL, so every node a signed head covers is on disk before the head is. An fsync
    // per batch would cost more than the hashing (bench/audit/merkle.ts).
    if (!options.readonly) this.db.pragma('synchronous = NORMAL');
    this.statements = {
      size: this.db.prepare<[], number>('SELECT tree_size FROM merkle_tree WHERE singleton = 1').pluck(),
      setSize: this.db.prepare('UPDATE merkle_tree SET tree_size = ? WHERE singleton = 1'),
      insertRow: this.db.prepare('INSERT INTO merkle_node_chunks (chunk, hashes) VALUES (?, ?)'),
      row: this.db.prepare<[number], Buffer>('SELECT hashes FROM merkle_node_chunks WHERE chunk = ?').pluck(),
      replaceRow: this.db.prepare('UPDATE merkle_node_chunks SET hashes = ? WHERE chunk = ?'),
      node: this.db
        .prepare<[number, number], Buffer>('SELECT substr(hashes, ?, 32) FROM merkle_node_chunks WHERE chunk = ?')
        .pluck(),
      checkpoint: this.db.prepare('SELECT tree_size, last_position FROM merkle_tree WHERE singleton = 1'),
      setPosition: this.db.prepare('UPDATE merkle_tree SET last_position = ? WHERE singleton = 1'),
      insertLeaf: this.db.prepare('INSERT INTO merkle_leaves (stream, revision, leaf_index) VALUES (?, ?, ?)'),
      leafIndex: this.db
        .prepare<[string, bigint], number>('SELECT leaf_index FROM merkle_leaves WHERE stream = ? AND revision = ?')
        .pluck(),
    };
    this.appendTransaction = this.db.transaction((fromSize, toSize, hashes, sources) => {
      const storedSize = this.statements.size.get()!;
      if (storedSize !== fromSize) throw new MerkleTreeConflict(fromSize, storedSize);
      // The growth's nodes take the positions after those already stored, in the order given.
      let position = completedNodeCount(fromSize);
      for (let at = 0; at < hashes.length;) {
        const row = Math.floor(position / NODES_PER_ROW);
        const inRow = position % NODES_PER_ROW;
        const count = Math.min(NODES_PER_ROW - inRow, (hashes.length - at) / HASH_SIZE);
        const piece = hashes.subarray(at, at + count * HASH_SIZE);
        if (inRow === 0) this.statements.insertRow.run(row, piece);
        else {
          // The last row is short: it must end just before this node (read, extend, write back: 2 KiB at most).
          const stored = this.statements.row.get(row);
          if (stored?.length !== inRow * HASH_SIZE) {
            throw new MerkleStoreDamaged(`${this.description}: row ${row} does not end at node ${position}`);
          }
          this.statements.replaceRow.run(Buffer.concat([stored, piece]), row);
        }
        position += count;
        at += count * HASH_SIZE;
      }
      this.statements.setSize.run(toSize);
      if (sources) {
        sources.leaves.forEach((leaf, at) => this.statements.insertLeaf.run(leaf.stream, leaf.revision, fromSize + at));
        this.statements.setPosition.run(sources.lastPosition);
      }
    });
  }

  async treeSize(): Promise<number> {
    return this.statements.size.get()!;
  }

  /** The tree's size and the `$all` position of its last leaf (`undefined` if none was recorded), read together. */
  async checkpoint(): Promise<{ treeSize: number; lastPosition: string | undefined }> {
    const row = this.statements.checkpoint.get()!;
    return { treeSize: row.tree_size, lastPosition: row.last_position ?? undefined };
  }

  /** Which leaf the event `stream`@`revision` is, if the tree has it. */
  async leafIndexOf(stream: string, revision: bigint): Promise<number | undefined> {
    return this.statements.leafIndex.get(stream, revision);
  }

  async appendNodes(
    fromSize: number,
    toSize: number,
    nodes: readonly CompletedNode[],
    sources?: LeafSources,
  ): Promise<void> {
    if (!isTreeSize(fromSize) || !isTreeSize(toSize) || toSize < fromSize) {
      throw new RangeError(`cannot grow a tree from ${fromSize} to ${toSize} leaves`);
    }
    const first = completedNodeCount(fromSize);
    const expected = completedNodeCount(toSize) - first;
    if (nodes.length !== expected) {
      throw new RangeError(
        `growing from ${fromSize} to ${toSize} leaves completes ${expected} nodes, got ${nodes.length}`,
      );
    }
    // Cheap guards that these are the nodes of this growth in completion order: the first and the last.
    const last = nodes.length - 1;
    if (
      (last >= 0 && (nodePosition(nodes[0]!) !== first || nodePosition(nodes[last]!) !== first + last)) ||
      !nodes.every((node) => isHash(node.hash))
    ) {
      throw new RangeError('the nodes given are not the ones this growth completes, in order');
    }
    if (sources && sources.leaves.length !== toSize - fromSize) {
      throw new RangeError(`growing by ${toSize - fromSize} leaves, got ${sources.leaves.length} sources`);
    }
    if (nodes.length > 0) {
      this.appendTransaction.immediate(fromSize, toSize, Buffer.concat(nodes.map((node) => node.hash)), sources);
    }
  }

  async readNodes(ids: readonly NodeId[]): Promise<Hash[]> {
    return ids.map((id) => {
      const position = nodePosition(id);
      const offset = (position % NODES_PER_ROW) * HASH_SIZE + 1; // substr counts from 1
      const hash = this.statements.node.get(offset, Math.floor(position / NODES_PER_ROW));
      if (hash?.length !== HASH_SIZE) throw new MerkleNodeMissing(id);
      return hash;
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
