import { randomUUID } from 'node:crypto';
import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Actor } from '@app/case-domain';
import type { RequestContext } from '../commands/command-context';

const KEY = /^[A-Za-z0-9_.:-]{1,200}$/;

/**
 * The request's actor, correlation id (`X-Correlation-Id`, or a new one), `Idempotency-Key` and
 * `If-Match` (an ETag this API gave out: `"<revision>"`).
 */
export const CommandContext = createParamDecorator((_: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<Request & { actor: Actor }>();
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const idempotencyKey = header('idempotency-key');
  if (idempotencyKey !== undefined && !KEY.test(idempotencyKey)) {
    throw new BadRequestException('Idempotency-Key must be 1-200 characters of letters, digits and _ . : -');
  }
  const correlationId = header('x-correlation-id');
  if (correlationId !== undefined && !KEY.test(correlationId)) {
    throw new BadRequestException('X-Correlation-Id must be 1-200 characters of letters, digits and _ . : -');
  }
  const ifMatch = header('if-match');
  let ifRevision: bigint | undefined;
  if (ifMatch !== undefined) {
    const match = /^(?:W\/)?"(\d{1,19})"$/.exec(ifMatch.trim());
    if (!match) throw new BadRequestException('If-Match must be an ETag this API returned, like "3"');
    ifRevision = BigInt(match[1]!);
  }
  const requestId = randomUUID();
  return {
    actor: request.actor,
    correlationId: correlationId ?? requestId,
    requestId,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(ifRevision === undefined ? {} : { ifRevision }),
  };
});
