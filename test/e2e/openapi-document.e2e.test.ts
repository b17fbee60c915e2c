import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { tokenFor, useApiServer, type ApiResponse } from '../support/api-client';
import { daysAgo } from '../support/dates';

/**
 * The served OpenAPI document, walked: every operation has a summary, a unique operationId, its
 * path parameters, a 2xx and its errors as problem+json; every request body an example its schema
 * takes; the command and problem schemas match what the server really answers; and Redocly CLI's
 * recommended rules find no error in it.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const ROOT = join(__dirname, '..', '..');

describe('the OpenAPI document', () => {
  jest.setTimeout(60_000);
  const call = useApiServer();
  let document: Json;
  let ajv: Ajv;

  const operations = () =>
    Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method] as Json })),
    );
  /** A `$ref` followed within the document. */
  const resolved = (value: Json): Json =>
    typeof value.$ref === 'string'
      ? resolved(
          value.$ref
            .slice(2)
            .split('/')
            .reduce<Json>((at, key) => at[key] as Json, document),
        )
      : value;
  const validator = (schema: Json): ValidateFunction => ajv.compile({ $ref: `openapi${schema.$ref as string}` });

  beforeAll(async () => {
    const served = await call('GET', '/docs/openapi.json');
    expect(served.status).toBe(200);
    document = served.body;
    // OpenAPI 3.0 schemas are JSON Schema plus a few keywords (example, nullable) ajv need not know.
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...document, $id: 'openapi' }, 'openapi');
  });

  it('every operation: a unique operationId, a one-line summary, its path parameters, a 2xx answer', () => {
    const ids = operations().map(({ operation }) => operation.operationId as string);
    expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const faults = operations().flatMap(({ path, method, operation }) => {
      const route = `${method.toUpperCase()} ${path}`;
      const summary = operation.summary as unknown;
      const parameters = ((operation.parameters ?? []) as Json[]).map(resolved);
      const missing = [...path.matchAll(/\{(\w+)\}/g)]
        .map(([, name]) => name!)
        .filter((name) => !parameters.some((p) => p.in === 'path' && p.name === name && p.required && p.schema));
      return [
        ...(typeof summary === 'string' && /^[^\n]{10,120}$/.test(summary)
          ? []
          : [`${route}: summary ${JSON.stringify(summary)}`]),
        ...missing.map((name) => `${route}: path parameter ${name} not defined`),
        ...(Object.keys(operation.responses as Json).some((status) => /^2\d\d$/.test(status))
          ? []
          : [`${route}: no 2xx answer`]),
      ];
    });
    expect(faults).toEqual([]);
  });

  it('every error answer is application/problem+json with the Problem schema; tokens, commands and waits answer theirs', () => {
    const faults = operations().flatMap(({ path, method, operation }) => {
      const route = `${method.toUpperCase()} ${path}`;
      const responses = operation.responses as Json;
      const statuses = Object.keys(responses);
      const has = (...wanted: string[]) =>
        wanted.filter((status) => !statuses.includes(status)).map((status) => `${route}: no ${status}`);
      const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
      const parameters = ((operation.parameters ?? []) as Json[]).map(resolved);
      const named = (place: string, name: string) => parameters.some((p) => p.in === place && p.name === name);
      const errors = statuses
        .filter((status) => /^[45]\d\d$/.test(status))
        // The readiness probe's 503 is its health report (which dependency is down), as 200 is.
        .filter((status) => !(route === 'GET /health' && status === '503'))
        .filter(
          (status) =>
            resolved(responses[status] as Json).content?.['application/problem+json']?.schema?.$ref !==
            '#/components/schemas/Problem',
        )
        .map((status) => `${route}: ${status} is not a Problem`);
      return [
        ...errors,
        ...(isPublic ? [] : has('401', '500')),
        ...(isPublic || statuses.some((status) => /^4\d\d$/.test(status)) ? [] : [`${route}: no 4xx`]),
        ...(path.includes('Id}') ? has('400', '404') : []),
        ...(named('query', 'minPosition') ? has('503') : []),
        ...(method === 'post'
          ? [
              ...has('400', '409', '412', '415', '422'),
              ...(['If-Match', 'Idempotency-Key'] as const)
                .filter((name) => !named('header', name))
                .map((name) => `${route}: no ${name} header`),
              ...statuses
                .filter((status) => /^2\d\d$/.test(status))
                .filter((status) => {
                  const answer = resolved(responses[status] as Json);
                  return (
                    answer.content?.['application/json']?.schema?.$ref !== '#/components/schemas/CommandResult' ||
                    !answer.headers?.ETag
                  );
                })
                .map((status) => `${route}: ${status} is not a CommandResult with an ETag`),
            ]
          : []),
      ];
    });
    expect(faults).toEqual([]);
  });

  it('every request body has an example its schema takes (ajv), and the schema would refuse a wrong one', () => {
    const bodies = operations().filter(({ operation }) => operation.requestBody);
    expect(bodies.length).toBeGreaterThan(40);
    const faults = bodies.flatMap(({ path, method, operation }) => {
      const route = `${method.toUpperCase()} ${path}`;
      const media = operation.requestBody.content['application/json'] as Json;
      if (!media.example) return [`${route}: no example`];
      const validate = validator(media.schema as Json);
      const mistakes = [
        validate(media.example) ? [] : [`${route}: example refused: ${ajv.errorsText(validate.errors)}`],
        // The same schema must refuse what the server refuses: a field it does not know.
        validate({ ...(media.example as Json), unexpectedField: 1 }) ? [`${route}: an unknown field is taken`] : [],
      ];
      return mistakes.flat();
    });
    expect(faults).toEqual([]);
  });

  it('the CommandResult and Problem schemas describe what the server answers', async () => {
    const caseworker = tokenFor('caseworker', 'police');
    const schemas = {
      command: { $ref: '#/components/schemas/CommandResult' },
      problem: { $ref: '#/components/schemas/Problem' },
    };
    const command = validator(schemas.command);
    const problem = validator(schemas.problem);
    const judged = (answer: ApiResponse, validate: ValidateFunction) => ({
      status: answer.status,
      valid: validate(answer.body) || ajv.errorsText(validate.errors),
    });
    const example = document.paths['/cases'].post.requestBody.content['application/json'].example as Json;
    // The documented example, on this clock's dates (a test does not depend on the calendar).
    const body = { ...example, caseId: randomUUID(), identifiedOn: daysAgo(3) };
    const created = await call('POST', '/cases', { token: caseworker, body });
    expect(judged(created, command)).toEqual({ status: 201, valid: true });
    expect(created.headers.get('etag')).toBe(`"${created.body.revision as string}"`);
    const again = await call('POST', '/cases', { token: caseworker, body });
    expect(judged(again, command)).toEqual({ status: 200, valid: true });
    expect(again.body.replayed).toBe(true);

    const notes = `/cases/${body.caseId as string}/notes`;
    const note = { noteId: randomUUID(), text: 'Synthetic note for the document test.' };
    const stale = await call('POST', notes, { token: caseworker, body: note, headers: { 'If-Match': '"7"' } });
    expect(judged(stale, problem)).toEqual({ status: 412, valid: true });
    expect(stale.body.currentRevision).toBe('0');
    const invalid = await call('POST', notes, { token: caseworker, body: { ...note, text: '' } });
    expect(judged(invalid, problem)).toEqual({ status: 400, valid: true });
    expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'text' })]);
    const unknown = await call('GET', `/cases/${randomUUID()}/history`, { token: caseworker });
    expect(judged(unknown, problem)).toEqual({ status: 404, valid: true });
    const refused = await call('POST', notes, { token: tokenFor('auditor', 'police'), body: note });
    expect(judged(refused, problem)).toEqual({ status: 403, valid: true });
    const done = await call('POST', notes, { token: caseworker, body: note, headers: { 'If-Match': '"0"' } });
    expect(judged(done, command)).toEqual({ status: 200, valid: true });
    for (const answer of [stale, invalid, unknown, refused]) {
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('Redocly CLI, with its recommended rules (redocly.yaml), finds no error and only the warnings explained there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marac-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(document));
      const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
      const run = promisify(execFile)(
        process.execPath,
        [cli, 'lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json', '--max-problems', '1000'],
        {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
          maxBuffer: 20 * 1024 * 1024,
        },
      );
      // Redocly exits 1 when it finds an error: its report says which.
      const { stdout } = await run.catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
      const report = JSON.parse(stdout) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
      };
      const problems = report.problems.map(
        (problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer}: ${problem.message}`,
      );
      expect(report.totals.errors).toBe(0);
      expect(problems.sort()).toEqual([
        'warn info-license-strict #/info/license/url: License object should contain `url` field.',
        'warn operation-4xx-response #/paths/~1health/get/responses: Operation must have at least one `4XX` response.',
        'warn operation-4xx-response #/paths/~1health~1ping/get/responses: Operation must have at least one `4XX` response.',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
