import type { KeyStore } from './key-store.port';
import { PostgresKeyStore, type PostgresKeyStoreOptions } from './postgres-key-store';
import { SqliteKeyStore } from './sqlite-key-store';

/** Where the data keys live: an embedded SQLite file of their own, or a PostgreSQL database. */
export type KeyStoreConnection =
  | { readonly kind: 'embedded'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly options?: PostgresKeyStoreOptions };

export async function openKeyStore(connection: KeyStoreConnection): Promise<KeyStore> {
  return connection.kind === 'embedded'
    ? new SqliteKeyStore(connection.file)
    : PostgresKeyStore.open(connection.url, connection.options);
}
