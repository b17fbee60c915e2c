import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  KeyEncryptionKey,
  KeyEncryptionKeyMismatch,
  Keyring,
  openKeyStore,
  type KeyStore,
  type KeyStoreConnection,
} from '@app/personal-data';
import { ConfigurationError, type AppConfig } from '../config/app-config';

export const DEV_KEK_FILE = 'dev-key-encryption-key';
export const EMBEDDED_KEY_STORE_FILE = 'keys.sqlite';

/** Where the data keys live for this configuration: `KEY_STORE_URL` (PostgreSQL), else `DATA_DIR/keys.sqlite`. */
export function keyStoreConnectionFor(config: AppConfig): KeyStoreConnection {
  return config.keyStoreUrl
    ? { kind: 'postgres', url: config.keyStoreUrl }
    : { kind: 'embedded', file: join(config.dataDir, EMBEDDED_KEY_STORE_FILE) };
}

/**
 * Opens the people's keys: the key store, unlocked by the configured KEK. A KEK that is not the one
 * the store was written with, or a development key that went missing from a store that has keys,
 * is a `ConfigurationError` (the app stops with exit 78 before it seals or opens anything).
 */
export async function openKeyring(config: AppConfig, given?: KeyStore): Promise<Keyring> {
  const store = given ?? (await openKeyStore(keyStoreConnectionFor(config)));
  try {
    const kek = await keyEncryptionKeyFor(config, store);
    return await Keyring.open(store, kek);
  } catch (error) {
    await store.close();
    if (error instanceof KeyEncryptionKeyMismatch) throw new ConfigurationError([error.message]);
    throw error;
  }
}

/**
 * The configured key-encryption key: given, or the development one in DATA_DIR (made only for a
 * new key store; missing for one that has keys, a `ConfigurationError`).
 */
export async function keyEncryptionKeyFor(config: AppConfig, store: KeyStore): Promise<KeyEncryptionKey> {
  if (config.keyEncryptionKey.kind === 'given') return KeyEncryptionKey.parse(config.keyEncryptionKey.text);
  const file = join(config.dataDir, DEV_KEK_FILE);
  if (!existsSync(file)) {
    // A new development key only for a new key store: one for an existing store would open nothing.
    if ((await store.getMeta('kek-check')) !== undefined) {
      throw new ConfigurationError([
        `the key store (${store.description}) was written with the development key-encryption key ${file}, which is missing: ` +
          'restore it, or give the key the store was written with as KEY_ENCRYPTION_KEY',
      ]);
    }
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, KeyEncryptionKey.generateText(), { mode: 0o600, flag: 'wx' });
  }
  try {
    return KeyEncryptionKey.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError([`${file}: ${(error as Error).message}`]);
  }
}
