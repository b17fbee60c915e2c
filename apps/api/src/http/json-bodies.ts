import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';

/**
 * The largest body read. The largest valid command is a MARAC discussion of 50 decisions of 2,000
 * characters: about 100 kB of ASCII, 300 kB of other scripts; anything past 1 MB is refused (413)
 * before it is parsed.
 */
export const JSON_BODY_LIMIT = '1mb';
const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/** What every client of this API sends: JSON, in UTF-8 (named or not), neither compressed nor chunked. */
const PLAIN_JSON = /^application\/json[ \t]*(?:;[ \t]*charset=(?:utf-8|"utf-8")[ \t]*)?$/i;

/** A request body was sent: a length or chunks (as body-parser and type-is judge it). */
function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length']) > 0;
}

/**
 * The body's length when it is plain JSON of a stated length within the limit: the one shape
 * `readPlainJson` reads itself. Anything else (another type or charset, compressed, chunked, too
 * large, empty) goes to body-parser, which answers it as it always has.
 */
function plainJsonLength(request: Request): number | undefined {
  const { headers } = request;
  if (headers['transfer-encoding'] !== undefined) return undefined;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return undefined;
  const type = headers['content-type'];
  if (type === undefined || !PLAIN_JSON.test(type)) return undefined;
  const length = Number(headers['content-length']);
  return Number.isSafeInteger(length) && length > 0 && length <= JSON_BODY_LIMIT_BYTES ? length : undefined;
}

/** A body that could not be read, as body-parser reports one (the problem filter's `malformed-body`). */
function unreadable(message: string, type: string): Error {
  return Object.assign(new SyntaxError(message), { status: 400, statusCode: 400, expose: true, type });
}

/**
 * JSON.parse as body-parser's strict mode applies it: the top level must be an object or an array;
 * a bare string or number is refused with the message JSON.parse gives at that character (the text
 * from there on masked, then shown again in the message, as body-parser words it).
 */
function parseStrictJson(text: string): unknown {
  const first = /^[ \t\n\r]*([^ \t\n\r])/.exec(text)?.[1];
  if (first !== '{' && first !== '[') {
    const at = first === undefined ? -1 : text.indexOf(first);
    try {
      JSON.parse(at === -1 ? '' : text.slice(0, at) + '#'.repeat(text.length - at));
    } catch (error) {
      const message = (error as Error).message.replace(/#+/g, (masked) => text.substring(at, at + masked.length));
      throw unreadable(message, 'entity.parse.failed');
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw unreadable((error as Error).message, 'entity.parse.failed');
  }
}

/**
 * Reads plain JSON of a known length without body-parser's general machinery (type and charset
 * negotiation, decoders, decompression): the body of every command, where that machinery was a
 * tenth of a note's cost (bench:commands). Same outcome: `request.body` parsed (a UTF-8 BOM
 * dropped, as body-parser's decoder does), or a 400 when the bytes are not JSON or the client
 * sent fewer than it announced.
 */
function readPlainJson(request: Request, length: number, next: NextFunction): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  const settle = (error?: Error) => {
    if (settled) return;
    settled = true;
    request.removeListener('data', onData);
    request.removeListener('end', onEnd);
    request.removeListener('error', onError);
    request.removeListener('close', onClose);
    next(error);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    chunks.push(chunk);
  };
  const onEnd = () => {
    if (received !== length)
      return settle(unreadable('request size did not match content length', 'request.size.invalid'));
    let text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received)).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      request.body = parseStrictJson(text);
    } catch (error) {
      return settle(error as Error);
    }
    settle();
  };
  const onError = (error: Error) => settle(unreadable(error.message, 'request.aborted'));
  const onClose = () => {
    if (!request.complete) settle(unreadable('request aborted', 'request.aborted'));
  };
  request.on('data', onData);
  request.on('end', onEnd);
  request.on('error', onError);
  request.on('close', onClose);
}

/**
 * Every request body of this API is JSON. Without this a form-encoded body was parsed too and
 * could pass validation (`on=2026-11-01`); now any other type is a 415. A request without a
 * body (no length, not chunked) needs no type. Plain JSON of a stated length is read here;
 * every other JSON body by body-parser with the same limit.
 */
export function jsonBodies(): (request: Request, response: Response, next: NextFunction) => void {
  const bodyParser = json({ limit: JSON_BODY_LIMIT });
  return (request, response, next) => {
    if (!hasBody(request)) return next();
    const length = plainJsonLength(request);
    if (length !== undefined) return readPlainJson(request, length, next);
    if (!request.is('application/json'))
      return next(new UnsupportedMediaTypeException('The request body must be application/json'));
    bodyParser(request, response, next);
  };
}

/**
 * Body parsing, set up here rather than by NestFactory's defaults: JSON only, with a stated size
 * limit. Depth and prototype keys are checked by the validation pipe, before anything recursive
 * walks the parsed value (see `ensureSafeShape`).
 */
export function acceptJsonBodies(app: NestExpressApplication): void {
  app.use(jsonBodies());
}
