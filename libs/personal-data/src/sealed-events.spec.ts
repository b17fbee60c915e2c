import { KeyEncryptionKey } from './key-encryption-key';
import { KeyEncryptionKeyMismatch, Keyring, rewrapAll } from './keyring';
import { SubjectErased } from './key-store.port';
import { erasureDigest, openEventData, sealEventData, SealedFieldUnreadable, sealedFieldsUnder } from './sealed-events';
import { isSealedValue } from '@app/event-store';
import { SqliteKeyStore } from './sqlite-key-store';

const identified = {
  caseId: 'c-1',
  identifiedOn: '2026-01-01',
  location: 'Synthetic location',
  child: false,
  personal: { name: 'Synthetic Person', aliases: ['Alias One'], contact: '0700 000' },
};
const at = { eventId: '00000000-0000-4000-8000-000000000001', type: 'PotentialVictimIdentified', stream: 'case-c-1' };

async function keyring(
  kek = KeyEncryptionKey.parse(KeyEncryptionKey.generateText()),
  store = new SqliteKeyStore(':memory:'),
) {
  return Keyring.open(store, kek);
}

describe('sealing personal fields', () => {
  it('seals every personal field (and only those) with a fresh IV, and opens them back', async () => {
    const keys = await keyring();
    const sealed = (await sealEventData(keys, at, identified)) as typeof identified;
    expect(sealed.caseId).toBe('c-1');
    expect(sealed.identifiedOn).toBe('2026-01-01');
    for (const value of [sealed.location, sealed.personal.name, sealed.personal.aliases, sealed.personal.contact]) {
      expect(isSealedValue(value)).toBe(true);
    }
    expect(JSON.stringify(sealed)).not.toContain('Synthetic');
    const again = (await sealEventData(keys, at, identified)) as typeof identified;
    expect(again.personal.name).not.toEqual(sealed.personal.name);
    expect(await openEventData(keys, at, sealed, 'victim-c-1')).toEqual({ data: identified, erased: [] });
  });

  it('refuses a ciphertext moved to another event, another field, or another person', async () => {
    const keys = await keyring();
    const sealed = (await sealEventData(keys, at, identified)) as typeof identified;
    const elsewhere = { ...at, eventId: '00000000-0000-4000-8000-000000000002' };
    await expect(openEventData(keys, elsewhere, sealed)).rejects.toThrow(SealedFieldUnreadable);
    const swapped = { ...sealed, personal: { ...sealed.personal, name: sealed.personal.contact } };
    await expect(openEventData(keys, at, swapped)).rejects.toThrow(/personal\.name field of PotentialVictimIdentified/);
    await expect(openEventData(keys, at, sealed, 'victim-someone-else')).rejects.toThrow(/sealed for another person/);
  });

  it('shows erased fields as null once the key is destroyed, and seals nothing new for that person', async () => {
    const keys = await keyring();
    const sealed = await sealEventData(keys, at, identified);
    const { keyId } = await keys.keyForSubject('victim-c-1');
    const records = sealedFieldsUnder(at, sealed, keyId);
    expect(records.map((r) => r.path).sort()).toEqual([
      'location',
      'personal.aliases',
      'personal.contact',
      'personal.name',
    ]);
    expect(erasureDigest(records)).toMatch(/^[0-9a-f]{64}$/);
    expect(erasureDigest([...records].reverse())).toBe(erasureDigest(records));
    await keys.destroySubjectKey('victim-c-1');
    const opened = await openEventData(keys, at, sealed);
    expect([...opened.erased].sort()).toEqual(['location', 'personal.aliases', 'personal.contact', 'personal.name']);
    expect(opened.data).toMatchObject({ caseId: 'c-1', location: null, personal: { name: null } });
    await expect(sealEventData(keys, at, identified)).rejects.toThrow(SubjectErased);
    await expect(keys.digestForSubject('victim-c-1', 'x')).rejects.toThrow(SubjectErased);
  });

  it('digests a command under each person’s own key: equal for equal text, different across people', async () => {
    const keys = await keyring();
    const a = await keys.digestForSubject('victim-a', '{"type":"AddNote"}');
    expect(await keys.digestForSubject('victim-a', '{"type":"AddNote"}')).toBe(a);
    expect(await keys.digestForSubject('victim-b', '{"type":"AddNote"}')).not.toBe(a);
  });
});

describe('the key-encryption key', () => {
  it('refuses to open a key store written with another KEK', async () => {
    const store = new SqliteKeyStore(':memory:');
    await keyring(KeyEncryptionKey.parse(KeyEncryptionKey.generateText()), store);
    await expect(keyring(KeyEncryptionKey.parse(KeyEncryptionKey.generateText()), store)).rejects.toThrow(
      KeyEncryptionKeyMismatch,
    );
  });

  it('is rotated by re-wrapping every data key: the new KEK opens what the old one sealed, the old one no longer opens the store', async () => {
    const store = new SqliteKeyStore(':memory:');
    const oldKek = KeyEncryptionKey.parse(KeyEncryptionKey.generateText());
    const newKek = KeyEncryptionKey.parse(KeyEncryptionKey.generateText());
    const sealed = await sealEventData(await keyring(oldKek, store), at, identified);
    expect(await rewrapAll(store, oldKek, newKek)).toEqual({ rewrapped: 1, alreadyDone: 0 });
    expect(await rewrapAll(store, oldKek, newKek)).toEqual({ rewrapped: 0, alreadyDone: 1 });
    expect((await openEventData(await keyring(newKek, store), at, sealed)).data).toEqual(identified);
    await expect(keyring(oldKek, store)).rejects.toThrow(KeyEncryptionKeyMismatch);
  });

  it('accepts 32 bytes as base64 or hex, and nothing else, without echoing it', () => {
    expect(() => KeyEncryptionKey.parse('a'.repeat(64))).not.toThrow();
    expect(() => KeyEncryptionKey.parse(KeyEncryptionKey.generateText())).not.toThrow();
    expect(() => KeyEncryptionKey.parse('secret-but-short')).toThrow(/32 random bytes/);
    expect(() => KeyEncryptionKey.parse('secret-but-short')).not.toThrow(/secret-but-short/);
  });
});
