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
import { MerkleNodeMissing, MerkleTreeConflict, type MerkleTreeStore } from './merkle-tree-store.port';
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
  };
  private readonly appendTransaction: Database.Transaction<(fromSize: number, toSize: number, hashes: Buffer) => void>;

  constructor(readonly file: string) {
    this.description = `Merkle tree in ${file}`;
    this.db = openAuditDatabase(file);
    // Nodes are derived from the event store and carry their own checkpoint (the tree size, moved in
    // the same transaction), so a power cut may cost the last batches, which the worker appends
    // again, but never leaves them half written; and the tree-head store's FULL commit of a head
    // syncs the WAL, so every node a signed head covers is on disk before the head is. An fsync
    // per batch would cost more than the hashing (bench/audit/merkle.ts).
    this.db.pragma('synchronous = NORMAL');
    this.statements = {
      size: this.db.prepare<[], number>('SELECT tree_size FROM merkle_tree WHERE singleton = 1').pluck(),
      setSize: this.db.prepare('UPDATE merkle_tree SET tree_size = ? WHERE singleton = 1'),
      insertRow: this.db.prepare('INSERT INTO merkle_node_chunks (chunk, hashes) VALUES (?, ?)'),
      row: this.db.prepare<[number], Buffer>('SELECT hashes FROM merkle_node_chunks WHERE chunk = ?').pluck(),
      replaceRow: this.db.prepare('UPDATE merkle_node_chunks SET hashes = ? WHERE chunk = ?'),
      node: this.db
        .prepare<[number, number], Buffer>('SELECT substr(hashes, ?, 32) FROM merkle_node_chunks WHERE chunk = ?')
        .pluck(),
    };
    this.appendTransaction = this.db.transaction((fromSize, toSize, hashes) => {
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
    });
  }

  async treeSize(): Promise<number> {
    return this.statements.size.get()!;
  }

  async appendNodes(fromSize: number, toSize: number, nodes: readonly CompletedNode[]): Promise<void> {
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
    if (nodes.length > 0) {
      this.appendTransaction.immediate(fromSize, toSize, Buffer.concat(nodes.map((node) => node.hash)));
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
