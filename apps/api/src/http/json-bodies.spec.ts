import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { json, type NextFunction, type Request, type Response } from 'express';
import { jsonBodies, JSON_BODY_LIMIT } from './json-bodies';

/** What a server answered: the parsed body it saw, or the error's status and body-parser type. */
type Outcome = { body: unknown } | { status: number; type: unknown; message: unknown };

async function serve(parse: (request: Request, response: Response, next: NextFunction) => void): Promise<Server> {
  const app = express();
  app.use(parse);
  app.post('/', (request, response) => response.json({ body: request.body as unknown }));
  app.use(
    (
      error: { status?: number; type?: unknown; message?: unknown },
      _request: Request,
      response: Response,
      _next: NextFunction,
    ) => {
      response
        .status(error.status ?? 500)
        .json({ status: error.status ?? 500, type: error.type, message: error.message });
    },
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function post(server: Server, headers: Record<string, string>, body: Buffer): Promise<Outcome> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const sent = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Outcome));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Bodies as clients send them, well-formed or not, each with the headers it comes with. */
const CORPUS: { label: string; headers: Record<string, string>; body: Buffer }[] = [
  ...[
    '{"noteId":"a","text":"Note"}',
    ' \n\t{"a":[1,2,{"b":null}]}',
    '[{"a":1}]',
    '{"text":"caf\u00e9 \u{1F600} \u0634"}',
    '{',
    '{"a":}',
    "{'a':1}",
    'nul',
    '{"a":1}{"b":2}',
    '{"a":1,}',
    '"text"',
    '  "text"',
    'null',
    '1',
    ' ',
    '\ufeff{"a":1}',
  ].flatMap((text) =>
    ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"'].map((type) => ({
      label: `${JSON.stringify(text)} as ${type}`,
      headers: { 'content-type': type, 'content-length': String(utf8(text).length) },
      body: utf8(text),
    })),
  ),
  {
    label: 'UTF-16 labelled',
    headers: { 'content-type': 'application/json; charset=utf-16le' },
    body: Buffer.from('{"a":1}', 'utf16le'),
  },
  { label: 'unknown charset', headers: { 'content-type': 'application/json; charset=x-unknown' }, body: utf8('{}') },
  {
    label: 'a body over the limit',
    headers: { 'content-type': 'application/json' },
    body: utf8(`"${'x'.repeat(1_100_000)}"`),
  },
  {
    label: 'a body of exactly the limit',
    headers: { 'content-type': 'application/json' },
    body: utf8(`["${'x'.repeat(1024 * 1024 - 4)}"]`),
  },
];

describe('JSON bodies: plain JSON read without body-parser, everything else by it', () => {
  let fast: Server;
  let reference: Server;

  beforeAll(async () => {
    fast = await serve(jsonBodies());
    reference = await serve(json({ limit: JSON_BODY_LIMIT }));
  });

  afterAll(() => {
    fast.close();
    reference.close();
  });

  it.each(CORPUS)('answers $label as body-parser does', async ({ headers, body }) => {
    const withLength = { 'content-length': String(body.length), ...headers };
    expect(await post(fast, withLength, body)).toEqual(await post(reference, withLength, body));
  });

  it('refuses a body of another type (415), which body-parser alone would leave unparsed', async () => {
    const body = utf8('on=2026-11-01');
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) };
    expect(await post(fast, headers, body)).toMatchObject({ status: 415 });
  });

  it('leaves a request without a body alone', async () => {
    expect(await post(fast, { 'content-length': '0' }, Buffer.alloc(0))).toEqual({});
  });
});
