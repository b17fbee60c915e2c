import { createHmac } from 'node:crypto';
import { UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Actor } from '@app/case-domain';
import { loadConfig } from '@app/platform';
import { loadAgencies } from './agencies';
import { AuthGuard } from './auth.guard';
import { resolveTokenKey } from './token-key';

const SECRET = 'guard-spec-secret-that-is-long-enough-0123';
const HOUR = 3600;
// The guard's clock, fixed for the run; every token's times are taken from it.
const now = Math.floor(Date.now() / 1000);
const clock = () => new Date(now * 1000);

const who = { sub: 'user-1', role: 'caseworker', agency: 'police' };
// Signed by hand: exactly the claims given, even those jsonwebtoken's sign would refuse or rewrite.
const base64url = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url');
function signed(payload: object): string {
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

function guardWith(env: Record<string, string> = {}, guardClock = clock): AuthGuard {
  const config = loadConfig({ JWT_SECRET: SECRET, ...env });
  return new AuthGuard(new Reflector(), resolveTokenKey(config), loadAgencies(undefined), config, guardClock);
}

/** Runs the guard over a request to an ordinary (non-public, any role) route. */
async function authenticate(guard: AuthGuard, token: string): Promise<Actor> {
  const request: { headers: { authorization: string }; actor?: Actor } = {
    headers: { authorization: `Bearer ${token}` },
  };
  const context = {
    getHandler: () => authenticate,
    getClass: () => AuthGuard,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  await guard.canActivate(context);
  return request.actor!;
}

const refusal = async (guard: AuthGuard, payload: object): Promise<string> => {
  const outcome = await authenticate(guard, signed(payload)).then(
    () => 'accepted',
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(UnauthorizedException);
  return (outcome as UnauthorizedException).message;
};

describe('the auth guard: how long a token may live', () => {
  const guard = guardWith();

  it('accepts a token issued now for an hour, as its subject, role and agency', async () => {
    const actor = await authenticate(guard, signed({ ...who, iat: now, exp: now + HOUR }));
    expect(actor).toMatchObject({ userId: 'user-1', role: 'caseworker', agency: { id: 'police' } });
  });

  it('refuses a token without exp', async () => {
    expect(await refusal(guard, { ...who, iat: now })).toMatch(/no expiry \(exp\)/);
  });

  it('refuses a token living 100 years, naming its lifetime and the maximum', async () => {
    expect(await refusal(guard, { ...who, iat: now, exp: now + 100 * 365 * 24 * HOUR })).toBe(
      'The token lives 876000h, longer than the 12h this service accepts',
    );
  });

  it('accepts exactly the maximum (12 h by default) and refuses a second more, measured from iat', async () => {
    await expect(authenticate(guard, signed({ ...who, iat: now, exp: now + 12 * HOUR }))).resolves.toBeDefined();
    expect(await refusal(guard, { ...who, iat: now, exp: now + 12 * HOUR + 1 })).toMatch(/lives 43201s, longer/);
  });

  it('refuses a token issued with too long a life even late in it (exp - iat, not exp - now)', async () => {
    expect(await refusal(guard, { ...who, iat: now - 13 * HOUR, exp: now + HOUR })).toMatch(/lives 14h, longer/);
  });

  it('measures a token without iat from now', async () => {
    await expect(authenticate(guard, signed({ ...who, exp: now + 11 * HOUR }))).resolves.toBeDefined();
    expect(await refusal(guard, { ...who, exp: now + 13 * HOUR })).toMatch(/lives 13h, longer/);
  });

  it('takes the maximum from JWT_MAX_LIFETIME', async () => {
    const strict = guardWith({ JWT_MAX_LIFETIME: '30m' });
    await expect(authenticate(strict, signed({ ...who, iat: now, exp: now + 1800 }))).resolves.toBeDefined();
    expect(await refusal(strict, { ...who, iat: now, exp: now + HOUR })).toBe(
      'The token lives 1h, longer than the 30m this service accepts',
    );
  });

  it('allows a minute of clock skew for iat and nbf, and refuses tokens from further in the future', async () => {
    await expect(
      authenticate(guard, signed({ ...who, iat: now + 30, nbf: now + 30, exp: now + HOUR })),
    ).resolves.toBeDefined();
    expect(await refusal(guard, { ...who, iat: now + 120, exp: now + HOUR })).toMatch(
      /issued in the future \(iat 120s ahead/,
    );
    expect(await refusal(guard, { ...who, iat: now, nbf: now + 120, exp: now + HOUR })).toMatch(
      /not valid yet \(nbf 120s ahead/,
    );
  });

  it('refuses nonsense times as a 401, never an error of its own', async () => {
    expect(await refusal(guard, { ...who, iat: 'yesterday', exp: now + HOUR })).toMatch(/invalid issued-at time/);
    expect(await refusal(guard, { ...who, iat: now, nbf: 'soon', exp: now + HOUR })).toMatch(/invalid not-before/);
    expect(await refusal(guard, { ...who, iat: 1e20, exp: 1e20 + HOUR })).toMatch(/issued in the future/);
  });

  it('still refuses an expired token, with no skew allowed', async () => {
    expect(await refusal(guard, { ...who, iat: now - HOUR, exp: now - 1 })).toMatch(/jwt expired/);
  });

  it('refuses a token it accepted before, from the second it expires', async () => {
    let seconds = now;
    const later = guardWith({}, () => new Date(seconds * 1000));
    const token = signed({ ...who, iat: now, exp: now + HOUR });
    await expect(authenticate(later, token)).resolves.toMatchObject({ userId: 'user-1' });
    seconds = now + HOUR - 1;
    await expect(authenticate(later, token)).resolves.toMatchObject({ userId: 'user-1' });
    seconds = now + HOUR;
    await expect(authenticate(later, token)).rejects.toThrow('The token was refused: jwt expired');
  });

  it('refuses a token with a forged signature although the genuine one was accepted', async () => {
    const token = signed({ ...who, iat: now, exp: now + HOUR });
    await authenticate(guard, token);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    await expect(authenticate(guard, forged)).rejects.toThrow(/invalid signature/);
  });
});

describe('the auth guard: issuer and audience', () => {
  const env = { JWT_ISSUER: 'https://idp.example.test', JWT_AUDIENCE: 'marac-api' };
  const guard = guardWith(env);
  const valid = { ...who, iat: now, exp: now + HOUR };

  it('accepts a token from the configured issuer for the configured audience', async () => {
    await expect(
      authenticate(guard, signed({ ...valid, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE })),
    ).resolves.toBeDefined();
    await expect(
      authenticate(guard, signed({ ...valid, iss: env.JWT_ISSUER, aud: ['other-api', env.JWT_AUDIENCE] })),
    ).resolves.toBeDefined();
  });

  it.each([
    ['without iss', { aud: 'marac-api' }, /jwt issuer invalid. expected: https:\/\/idp.example.test/],
    ['from another issuer', { iss: 'https://elsewhere.test', aud: 'marac-api' }, /jwt issuer invalid/],
    ['without aud', { iss: 'https://idp.example.test' }, /jwt audience invalid. expected: marac-api/],
    ['for another audience', { iss: 'https://idp.example.test', aud: 'other-api' }, /jwt audience invalid/],
  ])('refuses a token %s', async (_, claims, message) => {
    expect(await refusal(guard, { ...valid, ...claims })).toMatch(message);
  });

  it('ignores iss and aud when neither is configured', async () => {
    await expect(
      authenticate(guardWith(), signed({ ...valid, iss: 'https://anyone.test', aud: 'anything' })),
    ).resolves.toBeDefined();
  });
});
