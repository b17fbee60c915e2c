/** Configuration of the audit tree-head signing key (Ed25519; the heads follow RFC 9162 section 4.10, see libs/audit). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type AuditSigningKeySource, TreeHeadSigningKey } from '@app/audit';

/**
 * The key that signs the audit tree heads, from `AUDIT_SIGNING_KEY` or the file
 * `AUDIT_SIGNING_KEY_FILE` names (an Ed25519 PKCS#8 PEM, or its 32-byte seed as base64), checked
 * here so a bad one stops the app at start; neither set, a development key made in DATA_DIR (not
 * with EventStoreDB, the production path: there a key must be given).
 * Problems name the variable or file, never the key.
 */
export function auditSigningKeyFrom(
  given: { AUDIT_SIGNING_KEY?: string; AUDIT_SIGNING_KEY_FILE?: string; EVENTSTORE_CONNECTION_STRING?: string },
  cwd: string,
  problems: string[],
): AuditSigningKeySource {
  if (given.AUDIT_SIGNING_KEY && given.AUDIT_SIGNING_KEY_FILE) {
    problems.push('AUDIT_SIGNING_KEY and AUDIT_SIGNING_KEY_FILE are alternatives: set one');
    return { kind: 'development' };
  }
  let source: { text: string; source: string } | undefined;
  if (given.AUDIT_SIGNING_KEY) source = { text: given.AUDIT_SIGNING_KEY, source: 'AUDIT_SIGNING_KEY' };
  if (given.AUDIT_SIGNING_KEY_FILE) {
    const file = resolve(cwd, given.AUDIT_SIGNING_KEY_FILE);
    try {
      source = { text: readFileSync(file, 'utf8'), source: `AUDIT_SIGNING_KEY_FILE (${file})` };
    } catch (error) {
      problems.push(
        `AUDIT_SIGNING_KEY_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
      return { kind: 'development' };
    }
  }
  if (!source) {
    if (given.EVENTSTORE_CONNECTION_STRING) {
      problems.push(
        'AUDIT_SIGNING_KEY (or AUDIT_SIGNING_KEY_FILE) is required with EVENTSTORE_CONNECTION_STRING: a development ' +
          'key made in DATA_DIR goes with the volume it is on, and the key the MARAC publishes must outlive any machine',
      );
    }
    return { kind: 'development' };
  }
  try {
    TreeHeadSigningKey.parse(source.text);
  } catch (error) {
    problems.push(`${source.source}: ${(error as Error).message}`);
  }
  return { kind: 'given', text: source.text.trim(), source: source.source };
}
