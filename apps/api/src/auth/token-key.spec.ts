import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign, verify } from 'jsonwebtoken';
import { loadConfig } from '@app/platform';
import { resolveTokenKey } from './token-key';

describe('the key bearer tokens are verified with', () => {
  it("verifies an identity provider's RS256 token with JWT_PUBLIC_KEY, and refuses one signed by another key", () => {
    const issuer = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicKey = issuer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const key = resolveTokenKey(loadConfig({ JWT_PUBLIC_KEY: publicKey }));
    const claims = { role: 'auditor', agency: 'home-office' };

    expect(key.signWith).toBeUndefined();
    expect(
      verify(sign(claims, issuer.privateKey, { algorithm: 'RS256', subject: 'u' }), key.verifyWith, {
        algorithms: key.algorithms,
      }),
    ).toMatchObject(claims);
    expect(() =>
      verify(sign(claims, stranger.privateKey, { algorithm: 'RS256' }), key.verifyWith, { algorithms: key.algorithms }),
    ).toThrow('invalid signature');
  });

  it('creates a development secret once, readable only by its owner, and keeps it across restarts', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'marac-token-key-'));
    try {
      const first = resolveTokenKey(loadConfig({ DATA_DIR: dataDir }));
      const again = resolveTokenKey(loadConfig({ DATA_DIR: dataDir }));
      expect(again.signWith).toBe(first.signWith);
      expect(first.signWith!.length).toBeGreaterThanOrEqual(64);
      expect(statSync(join(dataDir, 'dev-token-secret')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
