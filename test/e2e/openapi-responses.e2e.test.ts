import { randomUUID } from 'node:crypto';
import { tokenFor, useApiServerProcess } from '../support/api-client';
import { identifyCaseBody } from '../support/case-bodies';
import {
  ResponseValidator,
  assertDocumentedResponse,
  mustBeDocumented,
  type OpenApiDocument,
} from '../support/response-validation';

/**
 * The served OpenAPI document's answers: every read operation documents its 2xx answer, and the
 * validator every e2e call goes through (`call` in api-client.ts) refuses an answer that drifts.
 */
describe('the OpenAPI document’s responses', () => {
  jest.setTimeout(60_000);
  const server = useApiServerProcess();
  const police = tokenFor('caseworker', 'police');
  let validator: ResponseValidator;

  beforeAll(async () => {
    const response = await fetch(`${server.url()}/docs/openapi.json`);
    expect(response.status).toBe(200);
    validator = new ResponseValidator((await response.json()) as OpenApiDocument);
  });

  it('documents a 2xx answer of every GET operation: a JSON schema, or a content type that is not JSON', () => {
    const gets = Object.entries(validator.document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([method]) => method === 'get')
        .map(([, operation]) => ({ path, operation })),
    );
    expect(gets.length).toBeGreaterThanOrEqual(22);
    const undocumented = gets.flatMap(({ path, operation }) => {
      const answers = Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
      const described = answers.some(([, answer]) =>
        Object.entries(answer.content ?? {}).some(
          ([mediaType, media]) => !/json/.test(mediaType) || (media.schema !== undefined && media.schema !== null),
        ),
      );
      return described ? [] : [`GET ${path}`];
    });
    expect(undocumented).toEqual([]);
  });

  it('compiles every documented response schema (each $ref resolves)', () => {
    const failures: string[] = [];
    for (const [path, operations] of Object.entries(validator.document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, answer] of Object.entries(operation.responses ?? {})) {
          for (const [mediaType, media] of Object.entries(answer.content ?? {})) {
            if (!/json/.test(mediaType) || media.schema === undefined) continue;
            try {
              // An empty object is refused by any closed schema; the point is that it compiles.
              validator.check(method, path.replace(/\{[^}]+\}/g, 'x'), Number(status), mediaType, {});
            } catch (error) {
              failures.push(`${method.toUpperCase()} ${path} ${status}: ${(error as Error).message}`);
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('accepts a real case view and refuses it without a required field, naming the operation, status and field', async () => {
    const caseId = randomUUID();
    const created = await server.call('POST', '/cases', {
      token: police,
      body: identifyCaseBody(caseId, 'Synthetic Person R'),
    });
    expect(created.status).toBe(201);
    const view = await server.call('GET', `/cases/${caseId}?minPosition=${created.body.position}`, { token: police });
    expect(view.status).toBe(200);
    const type = view.headers.get('content-type');
    expect(validator.check('GET', `/cases/${caseId}`, 200, type, view.body)).toEqual([]);

    const { stage: _stage, ...withoutStage } = view.body;
    const failures = validator.check('GET', `/cases/${caseId}`, 200, type, withoutStage);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('GET /cases/{caseId} answered 200');
    expect(failures[0]).toMatch(/must have required property 'stage'/);

    const wrongType = validator.check('GET', `/cases/${caseId}`, 200, type, { ...view.body, child: 'no' });
    expect(wrongType.join('\n')).toMatch(/child must be boolean/);
    const extra = validator.check('GET', `/cases/${caseId}`, 200, type, { ...view.body, surplus: 1 });
    expect(extra.join('\n')).toMatch(/must NOT have additional properties: surplus/);
    // What call() runs on every answer: the same refusal thrown, so the calling test fails.
    await expect(
      assertDocumentedResponse(server.url(), 'GET', `/cases/${caseId}`, {
        status: 200,
        contentType: type,
        body: withoutStage,
      }),
    ).rejects.toThrow(/GET \/cases\/\{caseId\} answered 200 \(application\/json\)[^]*required property 'stage'/);
  });

  it('answers the liveness probe as documented (no other e2e file reads it)', async () => {
    // call() validates the answer against the document; a wrong one throws here.
    const ping = await server.call('GET', '/health/ping');
    expect(ping).toMatchObject({ status: 200, body: { ok: true } });
    expect(validator.check('GET', '/health/ping', 200, 'application/json', { ok: 'yes' }).join('\n')).toMatch(
      /body\/ok must be boolean/,
    );
  });

  it('refuses a 2xx status or a content type the operation does not document', () => {
    expect(mustBeDocumented(202)).toBe(true);
    const status = validator.check('GET', '/cases', 202, 'application/json', { total: 0, cases: [], next: null });
    expect(status.join('\n')).toContain('GET /cases answered 202, which the document does not list');
    const media = validator.check('GET', '/cases', 200, 'text/html; charset=utf-8', '<p>cases</p>');
    expect(media.join('\n')).toContain('GET /cases answered 200 as text/html; the document says application/json');
    // A route the document does not have is not judged here (the access matrix covers the routes).
    expect(validator.check('GET', '/no-such-route', 200, 'application/json', {})).toEqual([]);
  });

  it('documents the non-JSON answers by their content type, and they are served as documented', async () => {
    const content = (path: string) =>
      Object.keys(validator.document.paths[path]?.get?.responses?.['200']?.content ?? {});
    expect(content('/marac/meetings/{meetingId}/agenda.csv')).toEqual(['text/csv']);
    expect(content('/marac/meetings/{meetingId}/agenda.pdf')).toEqual(['application/pdf']);
    expect(content('/metrics')).toEqual(['text/plain']);
    const metrics = await server.call('GET', '/metrics', { token: tokenFor('admin', 'police') });
    expect(metrics.status).toBe(200);
    expect(validator.check('GET', '/metrics', 200, metrics.headers.get('content-type'), metrics.body)).toEqual([]);
  });
});
