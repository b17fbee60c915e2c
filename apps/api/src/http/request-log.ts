import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { Actor } from '@app/case-domain';
import { JsonLogger } from '@app/platform';
import { routeTemplateOf } from '../metrics/metrics';

/**
 * One log entry per request once its response is sent: a request id (also sent back as
 * `X-Request-Id`), method, the route's template (`/cases/:caseId`, as the metrics label it; never the path with its ids,
 * nor the query or body, where personal data and reasons live), status, latency, and who asked
 * (user id, role, agency). At `log` level, JSON logs only: a text log at a terminal stays quiet.
 */
export function logRequests(app: NestExpressApplication, logger: unknown): void {
  if (!(logger instanceof JsonLogger) || !logger.isEnabled('log')) return;
  app.use((request: Request & { actor?: Actor }, response: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    response.setHeader('X-Request-Id', requestId);
    response.once('finish', () => {
      const actor = request.actor;
      logger.entry('log', 'request', {
        context: 'Http',
        requestId,
        method: request.method,
        route: routeTemplateOf(request),
        status: response.statusCode,
        latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
        ...(actor ? { actor: { userId: actor.userId, role: actor.role, agency: actor.agency.id } } : {}),
      });
    });
    next();
  });
}
