import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { ROLES, type Actor, type Agency, type Role } from '@app/case-domain';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import { CLOCK, type Clock } from '../commands/command-context';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from './actor.decorators';
import type { TokenKey } from './token-key';
import { tokenLifetimeProblem } from './token-lifetime';
import { VerifiedTokens } from './verified-tokens';

export const TOKEN_KEY = Symbol('TOKEN_KEY');
export const AGENCIES = Symbol('AGENCIES');

interface RoutePolicy {
  readonly isPublic: boolean;
  readonly allowed: readonly Role[] | undefined;
}

interface Claims {
  sub?: unknown;
  role?: unknown;
  agency?: unknown;
  exp?: unknown;
  iat?: unknown;
  nbf?: unknown;
}

/**
 * Every route needs a bearer token (unless marked `@Public`): signed with the configured key,
 * from the configured issuer for the configured audience (when JWT_ISSUER / JWT_AUDIENCE are set),
 * expiring, not expired and living no longer than JWT_MAX_LIFETIME, with `sub`, a known `role` and
 * a configured `agency`. The route's `@AllowRoles`, if any, then decides: 401 for who-are-you
 * problems, 403 for you-may-not.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /**
   * Verifies signatures and the claims jsonwebtoken knows (algorithm, expiry, issuer, audience),
   * with the key and options built once: verification runs on every new token (bench:commands).
   */
  private readonly jwt: JwtService;
  private readonly maxLifetimeSeconds: number;
  /** Verifying a token was a tenth of a note command's CPU; each session sends the same one. */
  private readonly verified = new VerifiedTokens();
  /** Each route's `@Public` and `@AllowRoles`, by handler and controller. */
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_KEY) key: TokenKey,
    @Inject(AGENCIES) private readonly agencies: ReadonlyMap<string, Agency>,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    const { issuer, audience, maxLifetimeSeconds } = config.tokenClaims;
    this.jwt = new JwtService({
      secret: key.verifyWith,
      verifyOptions: {
        algorithms: key.algorithms,
        ...(issuer ? { issuer } : {}),
        ...(audience ? { audience } : {}),
        // tokenLifetimeProblem checks nbf, allowing for clock skew; jsonwebtoken would allow none.
        ignoreNotBefore: true,
      },
    });
    this.maxLifetimeSeconds = maxLifetimeSeconds;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.policyOf(context.getHandler(), context.getClass());
    if (policy.isPublic) return true;
    const request = context.switchToHttp().getRequest<Request & { actor?: Actor }>();
    const actor = this.authenticate(request.headers.authorization);
    request.actor = actor;
    const allowed = policy.allowed;
    if (allowed && !allowed.some((role) => role === actor.role)) {
      throw new ForbiddenException(`The ${actor.role} role may not do this`);
    }
    return true;
  }

  /** A route's decorators, read once: they are fixed when its class is declared. */
  private policyOf(handler: object, controller: object): RoutePolicy {
    let ofController = this.policies.get(handler);
    if (!ofController) this.policies.set(handler, (ofController = new WeakMap()));
    let policy = ofController.get(controller);
    if (!policy) {
      const targets = [handler, controller] as Parameters<Reflector['getAllAndOverride']>[1];
      policy = {
        isPublic: this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets) === true,
        allowed: this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets),
      };
      ofController.set(controller, policy);
    }
    return policy;
  }

  private authenticate(header: string | undefined): Actor {
    const token = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
    if (!token) throw new UnauthorizedException('A bearer token is required');
    return this.actorOf(token).actor;
  }

  /**
   * Who a token says its bearer is, checked as for every route (401 when it may not be used), and
   * for how many more seconds it may be used: for routes outside Nest's guards (the queue board's
   * Express router).
   */
  actorOf(token: string): { readonly actor: Actor; readonly secondsLeft: number } {
    const nowSeconds = Math.floor(this.clock().getTime() / 1000);
    const known = this.verified.get(token);
    if (known) {
      // As jsonwebtoken (under JwtService) says it, so a token refused from the cache reads as one refused by verify.
      if (nowSeconds >= known.exp) {
        this.verified.delete(token);
        throw new UnauthorizedException('The token was refused: jwt expired');
      }
      const lifetimeProblem = tokenLifetimeProblem(known, nowSeconds, this.maxLifetimeSeconds);
      if (lifetimeProblem) throw new UnauthorizedException(lifetimeProblem);
      return { actor: known.actor, secondsLeft: known.exp - nowSeconds };
    }
    let claims: Claims;
    try {
      claims = this.jwt.verify<Claims>(token, { clockTimestamp: nowSeconds });
    } catch (error) {
      throw new UnauthorizedException(`The token was refused: ${(error as Error).message}`);
    }
    const lifetimeProblem = tokenLifetimeProblem(claims, nowSeconds, this.maxLifetimeSeconds);
    if (lifetimeProblem) throw new UnauthorizedException(lifetimeProblem);
    if (typeof claims.sub !== 'string' || claims.sub === '')
      throw new UnauthorizedException('The token has no subject');
    if (!ROLES.includes(claims.role as Role))
      throw new UnauthorizedException(`The token's role is not one of ${ROLES.join(', ')}`);
    const agency = typeof claims.agency === 'string' ? this.agencies.get(claims.agency) : undefined;
    if (!agency) throw new UnauthorizedException("The token's agency is not a configured agency");
    const actor: Actor = Object.freeze({ userId: claims.sub, role: claims.role as Role, agency });
    const { exp, iat, nbf } = claims as { exp: number; iat?: number; nbf?: number };
    this.verified.set(token, {
      actor,
      exp,
      ...(iat === undefined ? {} : { iat }),
      ...(nbf === undefined ? {} : { nbf }),
    });
    return { actor, secondsLeft: exp - nowSeconds };
  }
}
