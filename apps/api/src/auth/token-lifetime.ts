/**
 * How far ahead of ours another clock (an identity provider's) may be. It applies only to claims
 * that say "not yet" (`iat`, `nbf`): an expired token is refused from the second it expires.
 */
export const CLOCK_SKEW_SECONDS = 60;

interface TimeClaims {
  readonly exp?: unknown;
  readonly iat?: unknown;
  readonly nbf?: unknown;
}

/**
 * Token lifetime rule: a bearer token cannot be taken back, so it must expire, and live no longer
 * than the configured maximum. Its lifetime is `exp - iat` (what its issuer granted), so a token
 * issued for too long is refused from its first use, not only early in its life; without `iat` it
 * is `exp - now`. A token from the future (`iat` or `nbf` later than now plus the skew) is refused
 * too: otherwise a far-future `iat` would shrink `exp - iat` under the maximum. Expiry itself
 * (`exp` in the past) is checked by jsonwebtoken. Returns why the token is refused, or undefined.
 */
export function tokenLifetimeProblem(
  claims: TimeClaims,
  nowSeconds: number,
  maxLifetimeSeconds: number,
): string | undefined {
  const { exp, iat, nbf } = claims;
  if (typeof exp !== 'number')
    return `The token has no expiry (exp): tokens must expire within ${duration(maxLifetimeSeconds)}`;
  if (iat !== undefined && typeof iat !== 'number') return 'The token has an invalid issued-at time (iat)';
  if (nbf !== undefined && typeof nbf !== 'number') return 'The token has an invalid not-before time (nbf)';
  if (typeof iat === 'number' && iat > nowSeconds + CLOCK_SKEW_SECONDS)
    return `The token was issued in the future (iat ${ahead(iat, nowSeconds)})`;
  if (typeof nbf === 'number' && nbf > nowSeconds + CLOCK_SKEW_SECONDS)
    return `The token is not valid yet (nbf ${ahead(nbf, nowSeconds)})`;
  const lifetime = exp - (typeof iat === 'number' ? iat : nowSeconds);
  if (lifetime > maxLifetimeSeconds)
    return `The token lives ${duration(lifetime)}, longer than the ${duration(maxLifetimeSeconds)} this service accepts`;
  return undefined;
}

// Relative, not a date: a claim far enough ahead is no date at all (toISOString would throw).
const ahead = (claim: number, nowSeconds: number) =>
  `${Math.round(claim - nowSeconds)}s ahead of this server's clock, more than the ${CLOCK_SKEW_SECONDS}s allowed`;

/** `12h`, `30m` or `43201s`: the largest unit that says it exactly. */
function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
