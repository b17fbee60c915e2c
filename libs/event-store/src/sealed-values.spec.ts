import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, KEY_BYTES } from './sealed-values';

const IV_BYTES = 12;

describe('AES-256-GCM sealing', () => {
  it('never gives two values the same IV, across several blocks of pooled IVs', () => {
    const key = randomBytes(KEY_BYTES);
    // IVs come from blocks of 1,024: 3,000 values cross two refills.
    const ivs = new Set<string>();
    for (let n = 0; n < 3000; n++) {
      const sealed = encrypt(key, Buffer.from(`value ${n}`), `v1|event-${n}|personal.text|key`);
      ivs.add(sealed.subarray(0, IV_BYTES).toString('hex'));
      expect(decrypt(key, sealed, `v1|event-${n}|personal.text|key`)?.toString()).toBe(`value ${n}`);
    }
    expect(ivs.size).toBe(3000);
  });
});
