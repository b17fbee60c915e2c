import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { pdfText } from './pdf';
import { assertDocumentedResponse, checkingResponses, validatorFor } from './response-validation';
import { startServer, type ServerProcess } from './server-process';

export const E2E_SECRET = 'e2e-secret-that-is-long-enough-0123456789';
const jwt = new JwtService();

/** A bearer token as the server (started with JWT_SECRET=E2E_SECRET) accepts it. */
export function tokenFor(role: string, agency: string, key = E2E_SECRET): string {
  return jwt.sign({ role, agency }, { secret: key, subject: `e2e-${role}-${agency}`, expiresIn: '10m' });
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads response fields by path
  readonly body: Record<string, any>;
  /** A PDF's bytes (its body is then `{ text }`, what pdftotext reads of it). */
  readonly bytes?: Buffer;
}

export interface CallOptions {
  readonly token?: string;
  readonly body?: unknown;
  /** A body sent as it is, for malformed JSON. */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

/**
 * One HTTP call to the server at `baseUrl`, with the JSON body parsed, and the response checked
 * against the server's OpenAPI document (`response-validation.ts`): one that is not as documented
 * fails the calling test.
 */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  // The document is fetched (once) before the first call, while the server is surely up.
  if (checkingResponses) await validatorFor(baseUrl).catch(() => undefined);
  const answer = await send(baseUrl, method, path, options);
  await assertDocumentedResponse(baseUrl, method, path, {
    status: answer.status,
    contentType: answer.headers.get('content-type'),
    body: answer.body,
  });
  return answer;
}

async function send(baseUrl: string, method: string, path: string, options: CallOptions): Promise<ApiResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.raw !== undefined
      ? { body: options.raw }
      : options.body !== undefined
        ? { body: JSON.stringify(options.body) }
        : {}),
  });
  const type = response.headers.get('content-type') ?? 'application/json';
  // A PDF as a person reads it: its text (pdftotext), with its bytes beside.
  if (/application\/pdf/.test(type)) {
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body: { text: pdfText(bytes) }, bytes };
  }
  const text = await response.text();
  // JSON (and problem+json) parsed; anything else (a CSV) as `{ text }`.
  const json = /json/.test(type);
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? (json ? JSON.parse(text) : { text }) : undefined) as ApiResponse['body'],
  };
}

export type Caller = (method: string, path: string, options?: CallOptions) => Promise<ApiResponse>;

/** The server `useApiServerProcess` runs: a caller, and what a test may inspect of the process. */
export interface ApiServerHandle {
  readonly call: Caller;
  readonly url: () => string;
  /** Its DATA_DIR: the embedded event store is `events.sqlite` there. */
  readonly dataDir: () => string;
  /** Everything the server printed so far (stdout and stderr). */
  readonly output: () => string;
}

/**
 * Registers beforeAll/afterAll that run the built server (embedded store in a fresh directory,
 * the test Redis, E2E_SECRET) for a describe block, and returns a handle on it.
 */
export function useApiServerProcess(env: Record<string, string> = {}): ApiServerHandle {
  let dataDir: string;
  let server: ServerProcess;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marac-api-e2e-'));
    server = await startServer({
      DATA_DIR: dataDir,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      JWT_SECRET: E2E_SECRET,
      ...env,
    });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    call: (method, path, options = {}) => call(server.url, method, path, options),
    url: () => server.url,
    dataDir: () => dataDir,
    output: () => server.output(),
  };
}

/**
 * Registers beforeAll/afterAll that run the built server (embedded store in a fresh directory,
 * the test Redis, E2E_SECRET) for a describe block, and returns a caller bound to it.
 */
export function useApiServer(env: Record<string, string> = {}): Caller {
  return useApiServerProcess(env).call;
}
