import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/**
 * The largest body read. The largest valid command is a MARAC discussion of 50 decisions of 2,000
 * characters: about 100 kB of ASCII, 300 kB of other scripts; anything past 1 MB is refused (413)
 * before it is parsed.
 */
export const JSON_BODY_LIMIT = '1mb';

/**
 * Every request body of this API is JSON. Without this a form-encoded body was parsed too and
 * could pass validation (`on=2026-11-01`); now any other type is a 415. A request without a
 * body (no length, not chunked) needs no type.
 */
function refuseBodiesThatAreNotJson(request: Request, _response: Response, next: NextFunction): void {
  const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length']) > 0;
  if (hasBody && !request.is('application/json'))
    return next(new UnsupportedMediaTypeException('The request body must be application/json'));
  next();
}

/**
 * Body parsing, set up here rather than by NestFactory's defaults: JSON only, with a stated size
 * limit. Depth and prototype keys are checked by the validation pipe, before anything recursive
 * walks the parsed value (see `ensureSafeShape`).
 */
export function acceptJsonBodies(app: NestExpressApplication): void {
  app.use(refuseBodiesThatAreNotJson);
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
}
