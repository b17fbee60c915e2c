import type { Actor } from '@app/case-domain';

/** What a token's signature and claims were found to say, and the times that are checked on every use. */
export interface VerifiedToken {
  readonly actor: Actor;
  readonly exp: number;
  readonly iat?: number;
  readonly nbf?: number;
}

/**
 * Tokens whose signature, issuer, audience, subject, role and agency were checked, so the next
 * request with the same token (every request of a session sends it) is not verified again: the
 * same bytes under the same key give the same answer. What depends on the time (expiry, issued-at,
 * not-before) is still checked on every request. Only accepted tokens are kept, at most `max`,
 * the oldest first out, so no one can fill it with tokens of their own making.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(private readonly max = 10_000) {}

  get(token: string): VerifiedToken | undefined {
    return this.entries.get(token);
  }

  set(token: string, verified: VerifiedToken): void {
    this.entries.set(token, verified);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(token: string): void {
    this.entries.delete(token);
  }
}
