/**
 * Where the tree-head signing key (signing-key.ts; heads as tree-head.ts, after RFC 9162 section
 * 4.10) comes from: the configured one (`AUDIT_SIGNING_KEY` or `AUDIT_SIGNING_KEY_FILE`, checked by
 * the app's configuration), or for development one generated in DATA_DIR, readable by its owner only.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TreeHeadSigningKey } from './signing-key';

export const DEV_AUDIT_SIGNING_KEY_FILE = 'dev-audit-signing-key';

/** As the app's configuration gives it (the same shape as its key-encryption key). */
export type AuditSigningKeySource =
  { readonly kind: 'given'; readonly text: string; readonly source: string } | { readonly kind: 'development' };

/** The signing key cannot be used: the message names where it came from, never the key. */
export class AuditSigningKeyUnusable extends Error {
  override readonly name = 'AuditSigningKeyUnusable';
}

/** The configured key, or DATA_DIR's development key (made, mode 0600, when there is none yet). */
export function loadTreeHeadSigningKey(source: AuditSigningKeySource, dataDir: string): TreeHeadSigningKey {
  if (source.kind === 'given') return parsed(source.text, source.source);
  const file = join(dataDir, DEV_AUDIT_SIGNING_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, `${TreeHeadSigningKey.generateText()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process made it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return parsed(readFileSync(file, 'utf8'), file);
}

function parsed(text: string, source: string): TreeHeadSigningKey {
  try {
    return TreeHeadSigningKey.parse(text);
  } catch (error) {
    throw new AuditSigningKeyUnusable(`${source}: ${(error as Error).message}`);
  }
}
