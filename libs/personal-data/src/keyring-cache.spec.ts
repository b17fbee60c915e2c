import { KeyEncryptionKey } from './key-encryption-key';
import { Keyring } from './keyring';
import { SqliteKeyStore } from './sqlite-key-store';

const kek = KeyEncryptionKey.parse(KeyEncryptionKey.generateText());

describe('the keyring’s cache of unwrapped keys', () => {
  it('gives a person the same key after their key was evicted: it is read back, not made again', async () => {
    const keyring = await Keyring.open(new SqliteKeyStore(':memory:'), kek, { cacheSize: 2 });
    const first = await keyring.keyForSubject('victim-a');
    await keyring.keyForSubject('victim-b');
    await keyring.keyForSubject('victim-c'); // evicts victim-a's key, the least recently used
    const again = await keyring.keyForSubject('victim-a');
    expect(again.keyId).toBe(first.keyId);
    expect(again.key.equals(first.key)).toBe(true);
    expect((await keyring.keyById(first.keyId)) as unknown).toEqual(first);
  });

  it('asks the store again once a key is past its time, and finds a key destroyed meanwhile', async () => {
    let now = 0;
    const store = new SqliteKeyStore(':memory:');
    const keyring = await Keyring.open(store, kek, { cacheTtlMs: 1000, now: () => now });
    const other = await Keyring.open(store, kek); // another process, which erases the person
    const { keyId } = await keyring.keyForSubject('victim-a');
    await other.destroySubjectKey('victim-a');
    expect(await keyring.keyById(keyId)).toMatchObject({ keyId }); // still cached: within its time
    now = 1001;
    expect(await keyring.keyById(keyId)).toEqual({ destroyed: true, subject: 'victim-a' });
  });
});
