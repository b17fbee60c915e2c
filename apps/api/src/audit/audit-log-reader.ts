import { join } from 'node:path';
import { Inject, Injectable, type OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import {
  AUDIT_STORE_FILE,
  AuditStoreNotReady,
  MerkleLog,
  SqliteMerkleTreeStore,
  SqliteTreeHeadStore,
  publicKeyPemOf,
  signedTreeHeadToJson,
  type Hash,
  type SignedTreeHead,
} from '@app/audit';
import { APP_CONFIG, type AppConfig } from '@app/platform';

/** A signed head as the audit routes show it, with the public key (PEM) that verifies it. */
export function treeHeadJson(head: SignedTreeHead, publicKey: Buffer | undefined) {
  return { ...signedTreeHeadToJson(head), publicKey: publicKey === undefined ? null : publicKeyPemOf(publicKey) };
}

/**
 * The api's read-only view of `DATA_DIR/audit.sqlite`, which the worker's tree builder writes (in
 * `npm start`, on its thread in this process; scale-out, a worker sharing DATA_DIR). Opened on
 * first use: until the worker has created (or migrated) it, the audit routes answer 503.
 */
@Injectable()
export class AuditLogReader implements OnApplicationShutdown {
  private opened: { tree: SqliteMerkleTreeStore; heads: SqliteTreeHeadStore } | undefined;
  private readonly file: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.file = join(config.dataDir, AUDIT_STORE_FILE);
  }

  get heads(): SqliteTreeHeadStore {
    return this.open().heads;
  }

  get tree(): SqliteMerkleTreeStore {
    return this.open().tree;
  }

  /** The Merkle log as stored now (it covers at least every signed head). */
  log(): Promise<MerkleLog> {
    return MerkleLog.open(this.tree);
  }

  /**
   * Where each event is in the tree of `treeSize` leaves (a signed head's size): its leaf index
   * and inclusion proof, or `undefined` for an event that tree does not cover (yet). In order.
   */
  async inclusionProofs(
    events: readonly { readonly stream: string; readonly revision: bigint }[],
    treeSize: number,
  ): Promise<({ readonly leafIndex: number; readonly inclusionProof: Hash[] } | undefined)[]> {
    const log = await this.log();
    const proofs = [];
    for (const event of events) {
      const leafIndex = await this.tree.leafIndexOf(event.stream, event.revision);
      proofs.push(
        leafIndex === undefined || leafIndex >= treeSize
          ? undefined
          : { leafIndex, inclusionProof: await log.inclusionProof(leafIndex, treeSize) },
      );
    }
    return proofs;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.opened?.tree.close();
    await this.opened?.heads.close();
  }

  private open(): { tree: SqliteMerkleTreeStore; heads: SqliteTreeHeadStore } {
    if (this.opened) return this.opened;
    try {
      const tree = new SqliteMerkleTreeStore(this.file, { readonly: true });
      this.opened = { tree, heads: new SqliteTreeHeadStore(this.file, { readonly: true }) };
      return this.opened;
    } catch (error) {
      if (error instanceof AuditStoreNotReady) {
        throw new ServiceUnavailableException(
          'The audit log has not been started by the worker yet; try again shortly',
        );
      }
      throw error;
    }
  }
}
