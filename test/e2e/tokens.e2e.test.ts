import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sign } from 'jsonwebtoken';
import { E2E_SECRET, tokenFor, useApiServer } from '../support/api-client';
import { clockEnv } from '../support/server-process';

/**
 * Over HTTP, with JWT_ISSUER and JWT_AUDIENCE set: a bearer token must expire, live no longer than
 * JWT_MAX_LIFETIME, and name this issuer and audience; `npm run token` mints tokens that pass.
 */
const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'marac-api';
const MAX_LIFETIME = '2h';
const tokenEnv = { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_MAX_LIFETIME: MAX_LIFETIME };

const nowSeconds = () => Math.floor(Date.now() / 1000);
const claims = { sub: 'e2e-caseworker', role: 'caseworker', agency: 'police', iss: ISSUER, aud: AUDIENCE };
// Exactly the claims given: jsonwebtoken adds iat unless told not to, and drops a given one if told.
const signed = (payload: object) => sign(payload, E2E_SECRET, { algorithm: 'HS256', noTimestamp: !('iat' in payload) });

/** Runs the built `npm run token` with the server's token configuration. */
async function mintToken(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['dist/apps/api/src/auth/mint-token.js', ...args],
      // On the test's clock (clockEnv): a token minted on another clock would be expired, or not yet valid.
      { env: { PATH: process.env.PATH ?? '', ...clockEnv(), JWT_SECRET: E2E_SECRET, ...tokenEnv } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('bearer tokens over HTTP', () => {
  jest.setTimeout(60_000);
  const call = useApiServer(tokenEnv);
  const listCases = (token: string) => call('GET', '/cases', { token });

  it.each([
    ['without exp', () => signed({ ...claims, iat: nowSeconds() }), /no expiry/],
    [
      'living 100 years',
      () => signed({ ...claims, iat: nowSeconds(), exp: nowSeconds() + 100 * 365 * 24 * 3600 }),
      /lives 876000h, longer than the 2h/,
    ],
    // jsonwebtoken checks the audience first.
    ['without an issuer or audience', () => tokenFor('caseworker', 'police'), /audience invalid/],
    [
      'from another issuer',
      () => signed({ ...claims, iss: 'https://elsewhere.test', iat: nowSeconds(), exp: nowSeconds() + 600 }),
      /issuer invalid/,
    ],
    [
      'for another audience',
      () => signed({ ...claims, aud: 'another-api', iat: nowSeconds(), exp: nowSeconds() + 600 }),
      /audience invalid/,
    ],
  ])('refuses a token %s: 401 problem naming why', async (_, token, detail) => {
    const refused = await listCases(token());
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(refused.body.detail).toMatch(detail);
  });

  it('accepts a short-lived token from the configured issuer for this audience', async () => {
    const token = signed({ ...claims, iat: nowSeconds(), exp: nowSeconds() + 600 });
    expect((await listCases(token)).status).toBe(200);
  });

  it('accepts what `npm run token` mints, and it refuses to mint past the maximum lifetime', async () => {
    const minted = await mintToken('--role', 'caseworker', '--agency', 'police');
    expect(minted.code).toBe(0);
    expect((await listCases(minted.stdout.trim())).status).toBe(200);

    const tooLong = await mintToken('--role', 'caseworker', '--agency', 'police', '--expires', '3h');
    expect(tooLong.code).toBe(2);
    expect(tooLong.stdout).toBe('');
    expect(tooLong.stderr).toMatch(/--expires 3h: .*longer than the 2h/);
  });
});
