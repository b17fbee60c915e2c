import 'reflect-metadata';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KeyEncryptionKey, openKeyStore, rewrapAll } from '@app/personal-data';
import {
  ConfigurationError,
  DEV_KEK_FILE,
  keyEncryptionKeyFor,
  keyStoreConnectionFor,
  ManagedRedisServer,
  openKeyring,
  runMain,
} from '@app/platform';

/**
 * `npm run keys:rotate -- --new-key-file <file>`: re-wraps every person's data key under a new
 * key-encryption key (the data keys, and so the sealed data, stay as they are). Run it with the
 * service stopped, with the current key configured as the service has it; then start the service
 * with the new key. With the development key, the new key replaces `DATA_DIR/dev-key-encryption-key`.
 * A rotation that stopped half-way is finished by running it again with the same two keys.
 */
runMain(async (config, onShutdown) => {
  const { values } = parseArgs({ options: { 'new-key-file': { type: 'string' } } });
  const file = values['new-key-file'];
  if (!file) throw new ConfigurationError(['--new-key-file <file> is required: the new key-encryption key']);
  if (ManagedRedisServer.runningAt(join(config.dataDir, 'redis'))) {
    throw new ConfigurationError([
      'a server is running on this DATA_DIR: stop it before rotating its key-encryption key',
    ]);
  }
  let next: KeyEncryptionKey;
  try {
    next = KeyEncryptionKey.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigurationError([`--new-key-file ${file}: ${(error as Error).message}`]);
  }
  const store = await openKeyStore(keyStoreConnectionFor(config));
  onShutdown(() => store.close());
  // Opening the keyring checks the current key against the store (exit 78) before anything is re-wrapped.
  await openKeyring(config, store);
  const current = await keyEncryptionKeyFor(config, store);
  const result = await rewrapAll(store, current, next);
  if (config.keyEncryptionKey.kind === 'development') {
    const devFile = join(config.dataDir, DEV_KEK_FILE);
    writeFileSync(`${devFile}.new`, readFileSync(file, 'utf8').trim(), { mode: 0o600 });
    renameSync(`${devFile}.new`, devFile);
  }
  console.log(
    [
      `re-wrapped ${result.rewrapped} data keys under the new key-encryption key (id ${next.id}); ${result.alreadyDone} already were`,
      `key store: ${store.description}`,
      config.keyEncryptionKey.kind === 'development'
        ? `the development key in ${join(config.dataDir, DEV_KEK_FILE)} is now the new key`
        : `now start the service with the new key (${config.keyEncryptionKey.source}), and destroy the old one`,
    ].join('\n'),
  );
  await store.close();
  process.exit(0);
});
