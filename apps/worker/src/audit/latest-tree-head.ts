import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AUDIT_STORE_FILE,
  CompactRange,
  leafHash,
  SqliteTreeHeadStore,
  verifyTreeHead,
  type TreeHeadToMatch,
} from '@app/audit';

/** The latest signed tree head the worker keeps in `DATA_DIR/audit.sqlite`, as verification takes it. */
export interface LatestTreeHead {
  readonly match: TreeHeadToMatch;
  readonly description: string;
}

/**
 * Reads the latest signed tree head from `DATA_DIR/audit.sqlite` (kept apart from the event store,
 * so an edit to one does not hide in the other) and checks its signature with the public key kept
 * beside it. `undefined` when there is no audit file or no head yet. The match carries a Merkle
 * builder, so verification recomputes the root over the first `treeSize` events: the last events
 * cut off, a reorder between streams, or a stream re-hashed from some event on all change it.
 */
export async function latestTreeHead(dataDir: string): Promise<LatestTreeHead | undefined> {
  const file = join(dataDir, AUDIT_STORE_FILE);
  if (!existsSync(file)) return undefined;
  const heads = new SqliteTreeHeadStore(file, { readonly: true });
  try {
    const head = await heads.latest();
    if (!head) return undefined;
    const publicKey = await heads.publicKey(head.keyId);
    if (!publicKey || !verifyTreeHead(head, publicKey)) {
      throw new Error(`the latest tree head in ${file} (size ${head.treeSize}) does not verify with its key`);
    }
    const range = CompactRange.empty();
    return {
      match: {
        size: head.treeSize,
        root: head.rootHash.toString('base64'),
        merkle: {
          add: (leaf) => range.append(leafHash(leaf)),
          rootAt: (size) =>
            range.treeSize === size ? range.rootHash().toString('base64') : `${range.treeSize} leaves`,
        },
      },
      description: `the latest signed tree head (${head.treeSize} events, signed ${new Date(head.timestamp).toISOString()}, key ${head.keyId.toString('base64')})`,
    };
  } finally {
    await heads.close();
  }
}
