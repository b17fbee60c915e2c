import { appendFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Every e2e response checked against the OpenAPI document the server serves (`/docs/openapi.json`):
 * the request is matched to its operation (method and path template); a response whose status and
 * content type the document gives a JSON schema for is validated with ajv; a response whose status
 * an operation describing its answers (with content) does not list fails when `mustBeDocumented`
 * says so. A mismatch throws, failing the
 * test that made the call, with the operation, the status and ajv's errors.
 */

/**
 * Responses are checked in the tests (jest sets JEST_WORKER_ID in every test process). The
 * benchmarks drive their servers through the same helpers: there a check would be load on the
 * machine being measured, and some of their servers serve no document.
 */
export const checkingResponses = process.env.JEST_WORKER_ID !== undefined;

/** Which statuses an operation must list: every one (the document lists each route's errors too). */
export const mustBeDocumented = (_status: number): boolean => true;

interface MediaType {
  readonly schema?: unknown;
}
interface Operation {
  readonly responses?: Record<string, { readonly content?: Record<string, MediaType> }>;
}
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components?: { readonly schemas?: Record<string, unknown> };
}

interface Route {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  /** Literal segments: `/queues/mine` before `/queues/{name}`. */
  readonly literals: number;
  readonly operation: Operation;
}

/** The document's operations, and a compiled validator per response schema. */
export class ResponseValidator {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    // OpenAPI 3.0 schemas: `nullable` is ajv's own (with `type`); `example` and the like are not
    // JSON Schema keywords (strict: false ignores them); formats (date, date-time, uuid) registered.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: document.components ?? {} });
    this.routes = Object.entries(document.paths)
      .flatMap(([template, operations]) =>
        Object.entries(operations).map(([method, operation]) => {
          const segments = template.split('/');
          const source = segments
            .map((segment) =>
              segment.replace(/\{[^}]+\}|[^{]+/g, (part) =>
                part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
              ),
            )
            .join('/');
          return {
            method: method.toUpperCase(),
            template,
            pattern: new RegExp(`^${source}$`),
            literals: segments.filter((segment) => segment !== '' && !segment.includes('{')).length,
            operation,
          };
        }),
      )
      .sort((a, b) => b.literals - a.literals);
  }

  /** The operation a request is for, if the document has it. */
  route(method: string, path: string): Route | undefined {
    const raw = new URL(path, 'http://x').pathname;
    let pathname = raw;
    try {
      pathname = decodeURI(raw);
    } catch {
      // A malformed escape (a bad-input test's path) is matched as sent.
    }
    return this.routes.find((route) => route.method === method.toUpperCase() && route.pattern.test(pathname));
  }

  /** The failures of one response: empty when it is as documented (or its operation is not in the document). */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): string[] {
    const route = this.route(method, path);
    if (!route) return [];
    const name = `${route.method} ${route.template}`;
    const responses = route.operation.responses ?? {};
    const documented = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!documented) {
      // Nest lists a bare `201` (no content) for every POST it knows nothing of: not a documented answer.
      const describesAnswers = Object.values(responses).some((response) => response.content !== undefined);
      return describesAnswers && mustBeDocumented(status)
        ? [
            `${name} answered ${status}, which the document does not list (it lists ${Object.keys(responses).join(', ')})`,
          ]
        : [];
    }
    const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const content = documented.content ?? {};
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) return [];
    const key = mediaTypes.find((candidate) => candidate.toLowerCase() === media);
    if (key === undefined) {
      return mustBeDocumented(status)
        ? [`${name} answered ${status} as ${media || 'no content type'}; the document says ${mediaTypes.join(', ')}`]
        : [];
    }
    const schema = content[key]!.schema;
    if (schema === undefined || !/json/.test(media)) return [];
    const validate = this.validatorFor(`${name} ${status} ${key}`, schema);
    if (validate(body)) return [];
    return [
      `${name} answered ${status} (${key}) with a body the document's schema refuses:\n` +
        describeErrors(validate.errors ?? []),
    ];
  }

  private validatorFor(key: string, schema: unknown): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(withRefsInto('openapi', schema) as object);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

/** ajv's errors, one a line, each with where in the body and what was refused (an extra field's name). */
function describeErrors(errors: readonly ErrorObject[]): string {
  const lines = errors.map(({ instancePath, message, params }) => {
    const extra = 'additionalProperty' in params ? `: ${String(params.additionalProperty)}` : '';
    const allowed = 'allowedValues' in params ? `: ${JSON.stringify(params.allowedValues)}` : '';
    return `body${instancePath} ${message ?? 'is refused'}${extra}${allowed}`;
  });
  return [...new Set(lines)].join('\n');
}

/** The schema with its local refs (`#/components/...`) pointing into the document added as `id`. */
function withRefsInto(id: string, schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map((item) => withRefsInto(id, item));
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#') ? `${id}${value}` : withRefsInto(id, value),
    ]),
  );
}

const validators = new Map<string, Promise<ResponseValidator>>();

/** The validator for the server at `baseUrl`: its served document, fetched once. */
export function validatorFor(baseUrl: string): Promise<ResponseValidator> {
  let found = validators.get(baseUrl);
  if (!found) {
    found = (async () => {
      const response = await fetch(`${baseUrl}/docs/openapi.json`);
      if (response.status !== 200) {
        throw new Error(
          `GET ${baseUrl}/docs/openapi.json answered ${response.status}: no document to validate against`,
        );
      }
      return new ResponseValidator((await response.json()) as OpenApiDocument);
    })();
    // A server not up yet is not cached as having no document.
    found.catch(() => validators.delete(baseUrl));
    validators.set(baseUrl, found);
  }
  return found;
}

/**
 * Throws when the response of `method path` from the server at `baseUrl` is not as its OpenAPI
 * document says (see `ResponseValidator.check`).
 */
export async function assertDocumentedResponse(
  baseUrl: string,
  method: string,
  path: string,
  response: { readonly status: number; readonly contentType: string | null; readonly body: unknown },
): Promise<void> {
  if (!checkingResponses) return;
  const validator = await validatorFor(baseUrl);
  const failures = validator.check(method, path, response.status, response.contentType, response.body);
  const log = process.env.RESPONSE_VALIDATION_LOG;
  const route = log ? validator.route(method, path) : undefined;
  // Which operations and statuses the tests exercised (a file to sort and count), when asked.
  if (log && route) appendFileSync(log, `${route.method} ${route.template} ${response.status}\n`);
  if (failures.length > 0)
    throw new Error(`Response not as documented in the OpenAPI document:\n${failures.join('\n')}`);
}
