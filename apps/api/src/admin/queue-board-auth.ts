import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Actor } from '@app/case-domain';

export const QUEUE_BOARD_ROUTE = '/admin/queues';
/** The board's session cookie: the admin's own token, sent back only to the board's paths. */
export const QUEUE_BOARD_COOKIE = 'marac_queue_board';
/** The longest the cookie lives; less when the token expires sooner. */
export const QUEUE_BOARD_COOKIE_SECONDS = 15 * 60;

/**
 * The board's page may load from this server alone. Bull Board's page asks Google for its fonts:
 * an admin's browser would tell Google each time the board is opened, and an offline deployment
 * would wait on it. Refused here, the page falls back to the browser's own sans-serif. Inline
 * styles are Bull Board's (React's style attributes); no inline script runs.
 */
export const QUEUE_BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export interface QueueBoardAuthOptions {
  /** The token's actor and how long it may still be used; throws 401 (as for every route) otherwise. */
  actorOf(token: string): { readonly actor: Actor; readonly secondsLeft: number };
  /** Answers a refusal as problem+json, naming `instance` as the address asked for. */
  refuse(error: unknown, request: Request, response: Response, instance: string): void;
}

/**
 * Who may see the queue board: the admin role only (401 without a usable token, 403 for any
 * other role). Its page and scripts load in a browser, which sends no bearer header, so besides
 * `Authorization: Bearer` (curl, tests) a GET with `?token=` is answered with an HttpOnly,
 * SameSite=Strict cookie holding that token, scoped to the board's path and living at most 15
 * minutes (never past the token's own expiry), and a redirect to the same address without the
 * token, so it leaves the address bar and history at once. The cookie holds the token itself,
 * not a session of this process: any api replica checks it as it checks a bearer token, and it
 * can do no more than the token could.
 */
export function queueBoardAuth(options: QueueBoardAuthOptions) {
  return (request: Request, response: Response, next: NextFunction): void => {
    try {
      const fromQuery = request.method === 'GET' ? stringOf(request.query.token) : undefined;
      const token =
        /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ??
        fromQuery ??
        cookieOf(request.headers.cookie, QUEUE_BOARD_COOKIE);
      if (!token) {
        throw new UnauthorizedException(
          `The queue board needs an admin token: open ${QUEUE_BOARD_ROUTE}?token=<token> in the browser once, or send Authorization: Bearer`,
        );
      }
      const { actor, secondsLeft } = options.actorOf(token);
      if (actor.role !== 'admin') throw new ForbiddenException(`The ${actor.role} role may not see the queue board`);
      response.setHeader('Content-Security-Policy', QUEUE_BOARD_CSP);
      if (fromQuery === undefined) return next();
      response.cookie(QUEUE_BOARD_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.secure,
        path: QUEUE_BOARD_ROUTE,
        maxAge: Math.min(QUEUE_BOARD_COOKIE_SECONDS, secondsLeft) * 1000,
      });
      response.setHeader('Cache-Control', 'no-store');
      response.setHeader('Referrer-Policy', 'no-referrer');
      response.redirect(303, withoutToken(request.originalUrl));
    } catch (error) {
      // The refusal names the address without the token: an answer's body is no place for it.
      options.refuse(error, request, response, withoutToken(request.originalUrl));
    }
  };
}

function withoutToken(url: string): string {
  const address = new URL(url, 'http://board.invalid');
  address.searchParams.delete('token');
  return `${address.pathname}${address.search}`;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return stringOf(pair.slice(at + 1).trim());
  }
  return undefined;
}
