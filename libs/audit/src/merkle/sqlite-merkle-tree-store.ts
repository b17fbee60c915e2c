/**
 * The embedded `MerkleTreeStore`: the RFC 9162 (section 2.1.1) tree's nodes in the audit SQLite
 * file, one row per leaf or completed perfect subtree, keyed by post-order position so every write
 * appends at the end of the table. A proof (2.1.3.1, 2.1.4.1) reads O(log n) rows by key.
 */
import type Database from 'better-sqlite3';
import { type CompletedNode } from './compact-range';
import { type Hash, isHash } from './hashing';
import { MerkleNodeMissing, MerkleTreeConflict, type MerkleTreeStore } from './merkle-tree-store.port';
import { openAuditDatabase } from './audit-database';
import { completedNodeCount, nodePosition } from './node-position';
import { type NodeId, isTreeSize } from './tree-shape';

export class SqliteMerkleTreeStore implements MerkleTreeStore {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly statements: {
    size: Database.Statement<[], number>;
    setSize: Database.Statement<[number]>;
    insert: Database.Statement<[number, Buffer]>;
    node: Database.Statement<[number], Buffer>;
  };
  private readonly appendTransaction: Database.Transaction<
    (fromSize: number, toSize: number, nodes: readonly CompletedNode[]) => void
  >;

  constructor(readonly file: string) {
    this.description = `Merkle tree in ${file}`;
    this.db = openAuditDatabase(file);
    this.statements = {
      size: this.db.prepare<[], number>('SELECT tree_size FROM merkle_tree WHERE singleton = 1').pluck(),
      setSize: this.db.prepare('UPDATE merkle_tree SET tree_size = ? WHERE singleton = 1'),
      insert: this.db.prepare('INSERT INTO merkle_nodes (position, hash) VALUES (?, ?)'),
      node: this.db.prepare<[number], Buffer>('SELECT hash FROM merkle_nodes WHERE position = ?').pluck(),
    };
    this.appendTransaction = this.db.transaction((fromSize, toSize, nodes) => {
      const storedSize = this.statements.size.get()!;
      if (storedSize !== fromSize) throw new MerkleTreeConflict(fromSize, storedSize);
      // The growth's nodes take the positions after those already stored, in the order given.
      const first = completedNodeCount(fromSize);
      nodes.forEach((node, offset) => this.statements.insert.run(first + offset, node.hash));
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
    if (nodes.length !== completedNodeCount(toSize) - first) {
      throw new RangeError(
        `growing from ${fromSize} to ${toSize} leaves completes ${completedNodeCount(toSize) - first} nodes, got ${nodes.length}`,
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
    if (nodes.length > 0) this.appendTransaction.immediate(fromSize, toSize, nodes);
  }

  async readNodes(ids: readonly NodeId[]): Promise<Hash[]> {
    return ids.map((id) => {
      const hash = this.statements.node.get(nodePosition(id));
      if (hash === undefined) throw new MerkleNodeMissing(id);
      return hash;
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
