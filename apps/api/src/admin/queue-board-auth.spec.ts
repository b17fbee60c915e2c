import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Actor } from '@app/case-domain';
import { QUEUE_BOARD_COOKIE, queueBoardAuth } from './queue-board-auth';

const actorOf = (role: string) => ({ userId: `user-${role}`, role, agency: { id: 'police' } }) as unknown as Actor;
/** Tokens are the role they stand for, living `secondsLeft`; anything else is refused as the guard would. */
const tokens = (secondsLeft: number) => (token: string) => {
  if (!['admin', 'auditor'].includes(token)) throw new UnauthorizedException('The token was refused');
  return { actor: actorOf(token), secondsLeft };
};

function run(request: Partial<Request>, secondsLeft = 600) {
  const answered: {
    refused?: unknown;
    instance?: string;
    cookie?: [string, string, Record<string, unknown>];
    redirect?: [number, string];
  } = {};
  let passed = false;
  const response = {
    cookie: (name: string, value: string, options: Record<string, unknown>) =>
      (answered.cookie = [name, value, options]),
    setHeader: () => undefined,
    redirect: (status: number, location: string) => (answered.redirect = [status, location]),
  } as unknown as Response;
  queueBoardAuth({
    actorOf: tokens(secondsLeft),
    refuse: (error, _request, _response, instance) => Object.assign(answered, { refused: error, instance }),
  })(
    { method: 'GET', query: {}, headers: {}, originalUrl: '/admin/queues', secure: false, ...request } as Request,
    response,
    () => (passed = true),
  );
  return { ...answered, passed };
}

describe('the queue board for the admin role', () => {
  it('lets in an admin bearer token, refuses other roles (403) and no token (401)', () => {
    expect(run({ headers: { authorization: 'Bearer admin' } }).passed).toBe(true);
    expect(run({ headers: { authorization: 'Bearer auditor' } }).refused).toBeInstanceOf(ForbiddenException);
    expect(run({}).refused).toBeInstanceOf(UnauthorizedException);
    expect(run({ headers: { authorization: 'Bearer forged' } }).refused).toBeInstanceOf(UnauthorizedException);
  });

  it('finds its cookie among others', () => {
    const cookie = `theme=dark; ${QUEUE_BOARD_COOKIE}=admin; other=x`;
    expect(run({ headers: { cookie } }).passed).toBe(true);
    expect(run({ headers: { cookie: `not_${QUEUE_BOARD_COOKIE}=admin` } }).refused).toBeInstanceOf(
      UnauthorizedException,
    );
  });

  it('swaps ?token= for a cookie of at most 15 minutes, and drops it from the address', () => {
    const long = run(
      {
        query: { token: 'admin', status: 'delayed' },
        originalUrl: '/admin/queues/queue/reminders?token=admin&status=delayed',
      },
      3600,
    );
    expect(long.passed).toBe(false);
    expect(long.cookie).toEqual([
      QUEUE_BOARD_COOKIE,
      'admin',
      { httpOnly: true, sameSite: 'strict', secure: false, path: '/admin/queues', maxAge: 900_000 },
    ]);
    expect(long.redirect).toEqual([303, '/admin/queues/queue/reminders?status=delayed']);
    // Never past the token's own expiry.
    expect(run({ query: { token: 'admin' } }, 120).cookie?.[2].maxAge).toBe(120_000);
    // Over HTTPS, Secure too.
    expect(run({ query: { token: 'admin' }, secure: true }).cookie?.[2].secure).toBe(true);
  });

  it('leaves the token out of a refusal', () => {
    const refused = run({ query: { token: 'auditor' }, originalUrl: '/admin/queues?token=auditor&status=delayed' });
    expect(refused.refused).toBeInstanceOf(ForbiddenException);
    expect(refused.instance).toBe('/admin/queues?status=delayed');
  });

  it('takes ?token= on a GET only', () => {
    expect(run({ method: 'PUT', query: { token: 'admin' } }).refused).toBeInstanceOf(UnauthorizedException);
  });
});
