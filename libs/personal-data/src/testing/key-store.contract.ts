import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isDestroyed, SubjectErased, type KeyStore, type WrappedDataKey } from '../key-store.port';
import { openKeyStore, type KeyStoreConnection } from '../open-key-store';
import { killCreatorAfter, raceCreatorProcesses } from './key-store-processes';

export interface KeyStoreTarget {
  /** How to reach the store; opening it again, here or in another process, reaches the same keys. */
  readonly connection: KeyStoreConnection;
  /** Every file the store's data rests in, as they are now: a destroyed key's bytes must be in none. */
  readonly files: () => Promise<string[]>;
  /** Has the server write what it holds in memory to those files (PostgreSQL: CHECKPOINT). */
  readonly flushToFiles?: () => Promise<void>;
  readonly cleanup?: () => Promise<void>;
}

/**
 * The key store contract: one suite that every adapter must pass. Two instances are open on the
 * same store throughout (what two processes see); every test uses subjects of its own, so the
 * suite also runs against a database with other keys in it.
 */
export function describeKeyStoreContract(adapter: string, connect: () => Promise<KeyStoreTarget>): void {
  describe(`key store contract: ${adapter}`, () => {
    jest.setTimeout(60_000);
    let target: KeyStoreTarget;
    let store: KeyStore;
    let other: KeyStore;
    let prefix: string;

    beforeAll(async () => {
      target = await connect();
      store = await openKeyStore(target.connection);
      other = await openKeyStore(target.connection);
    });

    afterAll(async () => {
      await store?.close();
      await other?.close();
      await target?.cleanup?.();
    });

    beforeEach(() => {
      prefix = `victim-${randomUUID()}`;
    });

    const subject = (n = 0) => `${prefix}-${n}`;
    const newKey = (forSubject = subject()): WrappedDataKey => ({
      keyId: randomBytes(16).toString('base64url'),
      subject: forSubject,
      wrapped: randomBytes(60),
      kekId: 'kek-1',
    });

    describe('create', () => {
      it('stores a new key and returns it', async () => {
        const key = newKey();
        expect(await store.create(key)).toEqual(key);
        expect(await store.byId(key.keyId)).toEqual(key);
      });

      it('returns the first key to a later create for the same subject, in any instance', async () => {
        const first = newKey();
        await store.create(first);
        expect(await store.create(newKey())).toEqual(first);
        expect(await other.create(newKey())).toEqual(first);
      });

      it('gives 20 concurrent creates for one subject the same key, one of those offered', async () => {
        const offered = Array.from({ length: 20 }, () => newKey());
        const stored = await Promise.all(offered.map((key) => store.create(key)));
        expect(new Set(stored.map((key) => key.keyId)).size).toBe(1);
        expect(offered).toContainEqual(stored[0]);
        expect(await other.bySubject(subject())).toEqual(stored[0]);
      });

      it('makes two instances on one store agree when they race on the same subjects', async () => {
        const subjects = Array.from({ length: 20 }, (_, n) => subject(n));
        const [mine, theirs] = await Promise.all([
          Promise.all(subjects.map((s) => store.create(newKey(s)))),
          Promise.all(subjects.map((s) => other.create(newKey(s)))),
        ]);
        expect(theirs).toEqual(mine);
      });

      it('makes separate processes racing on the same subjects agree, without errors', async () => {
        const outcomes = await raceCreatorProcesses(target.connection, prefix, 40, 2);
        for (const outcome of outcomes) {
          expect(outcome.errors).toEqual([]);
          expect(outcome.keys.size).toBe(40);
          expect(outcome.keys).toEqual(outcomes[0]!.keys);
        }
        for (const [forSubject, keyId] of outcomes[0]!.keys) {
          expect(await store.bySubject(forSubject)).toMatchObject({ keyId });
        }
      });
    });

    describe('lookup', () => {
      it('finds a live key by subject and by id, in every instance', async () => {
        const key = await store.create(newKey());
        for (const instance of [store, other]) {
          expect(await instance.bySubject(key.subject)).toEqual(key);
          expect(await instance.byId(key.keyId)).toEqual(key);
        }
      });

      it('answers undefined for a subject or key id it never had', async () => {
        expect(await store.bySubject(subject())).toBeUndefined();
        expect(await store.byId(randomUUID())).toBeUndefined();
      });
    });

    describe('destroy', () => {
      it('leaves only the fact and when, by id and by subject, in every instance', async () => {
        const key = await store.create(newKey());
        const before = Date.now();
        const destroyed = await store.destroy(key.keyId);

        expect(destroyed).toEqual({ keyId: key.keyId, subject: key.subject, destroyedAt: expect.any(Date) });
        expect(Math.abs(destroyed.destroyedAt.getTime() - before)).toBeLessThan(60_000);
        for (const instance of [store, other]) {
          for (const found of [await instance.byId(key.keyId), await instance.bySubject(key.subject)]) {
            expect(found).toEqual(destroyed);
            expect(isDestroyed(found)).toBe(true);
            expect(found).not.toHaveProperty('wrapped');
          }
        }
      });

      it('is idempotent: destroying again, in any instance, returns the same destruction', async () => {
        const key = await store.create(newKey());
        const destroyed = await store.destroy(key.keyId);
        expect(await store.destroy(key.keyId)).toEqual(destroyed);
        expect(await other.destroy(key.keyId)).toEqual(destroyed);
      });

      it('settles two instances destroying the same key at once as one destruction', async () => {
        const key = await store.create(newKey());
        const [mine, theirs] = await Promise.all([store.destroy(key.keyId), other.destroy(key.keyId)]);
        expect(theirs).toEqual(mine);
      });

      it('refuses a new key for the erased subject with SubjectErased, in every instance', async () => {
        const key = await store.create(newKey());
        await store.destroy(key.keyId);
        for (const instance of [store, other]) {
          const refused = await instance.create(newKey()).catch((error: unknown) => error);
          expect(refused).toBeInstanceOf(SubjectErased);
          expect(refused).toMatchObject({ subject: key.subject });
        }
        expect(await store.bySubject(key.subject)).toMatchObject({ keyId: key.keyId, destroyedAt: expect.any(Date) });
      });

      it('refuses a key id it never had', async () => {
        await expect(store.destroy(randomUUID())).rejects.toThrow('No data key');
      });

      it("leaves every other subject's key as it was", async () => {
        const keys = await Promise.all([0, 1, 2].map((n) => store.create(newKey(subject(n)))));
        await store.destroy(keys[1]!.keyId);
        expect(await other.byId(keys[0]!.keyId)).toEqual(keys[0]);
        expect(await other.byId(keys[2]!.keyId)).toEqual(keys[2]);
      });
    });

    describe('rewrap and all', () => {
      it('replaces the wrapping and the KEK id, keeping the key id and subject', async () => {
        const key = await store.create(newKey());
        const wrapped = randomBytes(60);
        await store.rewrap(key.keyId, wrapped, 'kek-2');
        expect(await other.byId(key.keyId)).toEqual({ ...key, wrapped, kekId: 'kek-2' });
      });

      it('refuses to rewrap a destroyed key or one it never had', async () => {
        const key = await store.create(newKey());
        await store.destroy(key.keyId);
        await expect(store.rewrap(key.keyId, randomBytes(60), 'kek-2')).rejects.toThrow('No data key');
        await expect(store.rewrap(randomUUID(), randomBytes(60), 'kek-2')).rejects.toThrow('No data key');
        expect(await store.byId(key.keyId)).not.toHaveProperty('wrapped');
      });

      it('lists every live key once and no destroyed one, even when each is re-wrapped during the walk', async () => {
        const keys = await Promise.all(Array.from({ length: 25 }, (_, n) => store.create(newKey(subject(n)))));
        await store.destroy(keys[3]!.keyId);
        const mine = new Set(keys.map((key) => key.keyId));

        const seen: string[] = [];
        for await (const key of store.all()) {
          if (!mine.has(key.keyId)) continue;
          seen.push(key.keyId);
          await store.rewrap(key.keyId, randomBytes(60), 'kek-2');
        }

        const live = keys.filter((_, n) => n !== 3).map((key) => key.keyId);
        expect(seen.sort()).toEqual(live.sort());
        for (const keyId of live) expect(await other.byId(keyId)).toMatchObject({ kekId: 'kek-2' });
      });
    });

    it('keeps named values, overwrites them, and shows them to another instance', async () => {
      const name = `check-${prefix}`;
      expect(await store.getMeta(name)).toBeUndefined();
      await store.setMeta(name, 'first');
      expect(await other.getMeta(name)).toBe('first');
      await other.setMeta(name, 'second');
      expect(await store.getMeta(name)).toBe('second');
    });

    describe('durability', () => {
      it('keeps a created key after the store is closed and opened again', async () => {
        const instance = await openKeyStore(target.connection);
        const key = await instance.create(newKey());
        await instance.close();
        const reopened = await openKeyStore(target.connection);
        try {
          expect(await reopened.byId(key.keyId)).toEqual(key);
        } finally {
          await reopened.close();
        }
      });

      it('keeps every key whose create resolved when the process is killed with SIGKILL', async () => {
        const outcome = await killCreatorAfter(target.connection, prefix, 30);
        expect(outcome.errors).toEqual([]);
        expect(outcome.keys.size).toBeGreaterThanOrEqual(30);
        for (const [forSubject, keyId] of outcome.keys) {
          expect(await store.bySubject(forSubject)).toMatchObject({ keyId });
        }
      });
    });

    describe('real deletion', () => {
      it("leaves no piece of a destroyed key's bytes in any of the store's files", async () => {
        const keys = await Promise.all([0, 1, 2].map((n) => store.create(newKey(subject(n)))));
        const erased = keys[1]!;
        await target.flushToFiles?.();
        // The test can see a key in the files at all: otherwise its absence below would prove nothing.
        expect(await keyPiecesIn(await target.files(), erased.wrapped)).not.toEqual([]);

        await store.destroy(erased.keyId);

        expect(await keyPiecesIn(await target.files(), erased.wrapped)).toEqual([]);
        expect(await other.byId(keys[0]!.keyId)).toEqual(keys[0]);
        expect(await other.byId(keys[2]!.keyId)).toEqual(keys[2]);
      });
    });
  });
}

/** Where any 16-byte piece of a wrapped key's `bytes` sits in `files` (a file gone meanwhile holds none). */
export async function keyPiecesIn(files: string[], bytes: Buffer): Promise<string[]> {
  const pieces = [0, 16, 32, bytes.length - 16].map((at) => bytes.subarray(at, at + 16));
  const found: string[] = [];
  for (const file of files) {
    const content = await readFile(file).catch(() => Buffer.alloc(0));
    pieces.forEach((piece, i) => content.includes(piece) && found.push(`${file} (piece ${i})`));
  }
  return found;
}
