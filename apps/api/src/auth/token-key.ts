import { createPublicKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '@app/platform';

export interface TokenKey {
  /** Built once: jsonwebtoken re-derives a key from a string on every call, a quarter of the
   * server's CPU under load (seen in a profile of bench:commands). */
  readonly verifyWith: KeyObject;
  readonly algorithms: ('HS256' | 'RS256' | 'ES256')[];
  /** Present when this service may sign tokens itself (a shared secret): `npm run token`. */
  readonly signWith?: string;
  readonly description: string;
}

/**
 * The key bearer tokens are verified with. With no JWT_SECRET or JWT_PUBLIC_KEY, a random
 * development secret is created once under DATA_DIR (never in the repository), so `npm start`
 * and `npm run token` work with no set-up and no shared default secret exists anywhere.
 */
export function resolveTokenKey(config: AppConfig): TokenKey {
  switch (config.tokenKey.kind) {
    case 'secret':
      return {
        verifyWith: createSecretKey(Buffer.from(config.tokenKey.secret, 'utf8')),
        signWith: config.tokenKey.secret,
        algorithms: ['HS256'],
        description: 'JWT_SECRET (HS256)',
      };
    case 'public-key':
      return {
        verifyWith: createPublicKey(config.tokenKey.publicKey),
        algorithms: ['RS256', 'ES256'],
        description: 'JWT_PUBLIC_KEY (RS256/ES256)',
      };
    case 'development': {
      const file = join(config.dataDir, 'dev-token-secret');
      if (!existsSync(file)) {
        mkdirSync(config.dataDir, { recursive: true });
        try {
          writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
        } catch (error) {
          // `npm start` and `npm run token` at once: whichever wrote it first, both use that one.
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
      }
      const secret = readFileSync(file, 'utf8').trim();
      return {
        verifyWith: createSecretKey(Buffer.from(secret, 'utf8')),
        signWith: secret,
        algorithms: ['HS256'],
        description: `development secret in ${file}`,
      };
    }
  }
}
