import type { OpenAPIObject } from '@nestjs/swagger';

type Components = NonNullable<OpenAPIObject['components']>;
type Schema = NonNullable<Components['schemas']>[string];

const ref = (kind: 'schemas' | 'headers' | 'parameters' | 'responses', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});
export const schemaRef = (name: string) => ref('schemas', name);
export const headerRef = (name: string) => ref('headers', name);
export const parameterRef = (name: string) => ref('parameters', name);
export const responseRef = (name: string) => ref('responses', name);

const POSITION = '^\\d{1,20}/\\d{1,20}$';

/**
 * RFC 9457 problem details as `ProblemDetailsFilter` sends them: the standard members, and the
 * extensions some problems carry (each named with the problem that carries it).
 */
const PROBLEM: Schema = {
  type: 'object',
  required: ['type', 'title', 'status', 'instance'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      description:
        'The kind of problem: https://marac-case-management.example/problems/<kind>, e.g. validation-failed.',
      example: 'https://marac-case-management.example/problems/validation-failed',
    },
    title: { type: 'string', description: 'A short summary of the kind of problem.' },
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status code.' },
    detail: { type: 'string', description: 'What went wrong with this request.' },
    instance: { type: 'string', description: 'The request path (and query) that met the problem.' },
    errors: {
      type: 'array',
      description: 'validation-failed (400): each failing field or query parameter, with its problems.',
      items: {
        type: 'object',
        required: ['field', 'problems'],
        additionalProperties: false,
        properties: {
          field: { type: 'string', description: 'The path of the field, e.g. personal.dateOfBirth.' },
          problems: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    rule: {
      type: 'string',
      description: 'A domain rule that refused the command (422), e.g. case-already-identified; also the type’s kind.',
    },
    currentRevision: {
      type: 'string',
      pattern: '^\\d+$',
      description: 'precondition-failed (412): the case’s revision now (its ETag without quotes).',
    },
    readModel: {
      type: 'string',
      description: 'read-model-not-built (503): the read model being rebuilt from the start.',
    },
    eventId: {
      type: 'string',
      description: 'personal-data-unreadable (500): the event whose personal field could not be opened.',
    },
    stream: { type: 'string', description: 'personal-data-unreadable (500): that event’s stream.' },
    field: { type: 'string', description: 'personal-data-unreadable (500): the field’s path in that event.' },
  },
};

/** The body of every command's answer: `commandResponse` in command-response.ts. */
const COMMAND_RESULT: Schema = {
  type: 'object',
  required: ['revision', 'position', 'events', 'replayed'],
  additionalProperties: false,
  properties: {
    caseId: { type: 'string', format: 'uuid', description: 'The case the command wrote to (case commands).' },
    meetingId: {
      type: 'string',
      format: 'uuid',
      description: 'The MARAC meeting the command wrote to (meeting commands).',
    },
    revision: {
      type: 'string',
      pattern: '^\\d+$',
      description: 'The stream’s revision after the command (from 0); also the ETag, quoted, for If-Match.',
    },
    position: {
      type: 'string',
      pattern: POSITION,
      description: 'The global position written: pass it as ?minPosition= to read your own write.',
    },
    events: {
      type: 'array',
      items: { type: 'string' },
      description: 'The types of the events written (or, replayed, first written).',
    },
    replayed: {
      type: 'boolean',
      description:
        'True when this is the answer to an earlier identical request (same Idempotency-Key, or the same ' +
        'creation): nothing was written now.',
    },
    erasure: {
      type: 'object',
      description: 'POST /cases/{caseId}/erasure only: the key destroyed and what became unreadable.',
      required: ['erasedOn', 'keyId', 'sealedFields', 'digest'],
      additionalProperties: false,
      properties: {
        erasedOn: { type: 'string', format: 'date' },
        keyId: { type: 'string', description: 'The destroyed data key’s id (none when the case had no key).' },
        sealedFields: { type: 'integer', minimum: 0, description: 'How many sealed fields became unreadable.' },
        digest: { type: 'string', description: 'A digest of the sealed fields made unreadable.' },
      },
    },
  },
  example: {
    caseId: '3f6c2b1e-8d4a-4c7e-9b2f-5a1d0e6c7b84',
    revision: '4',
    position: '1289/1289',
    events: ['RiskAssessed'],
    replayed: false,
  },
};

export const COMMAND_HEADERS = {
  'Idempotency-Key': {
    name: 'Idempotency-Key',
    in: 'header' as const,
    required: false,
    description:
      'Makes a retry safe: the same key with the same command answers the first answer (replayed: true) and ' +
      'writes nothing; the same key with another command is refused (422 idempotency-key-reused).',
    schema: { type: 'string' as const, pattern: '^[A-Za-z0-9_.:-]{1,200}$' },
    example: 'synthetic-retry-key-0001',
  },
  'If-Match': {
    name: 'If-Match',
    in: 'header' as const,
    required: false,
    description:
      'An ETag this API gave for the stream ("<revision>"): the command runs only if the stream is still at ' +
      'that revision (412 precondition-failed otherwise).',
    schema: { type: 'string' as const, pattern: '^(W/)?"\\d{1,19}"$' },
    example: '"3"',
  },
  'X-Correlation-Id': {
    name: 'X-Correlation-Id',
    in: 'header' as const,
    required: false,
    description: 'Ties the events written to a wider piece of work; a new id when absent.',
    schema: { type: 'string' as const, pattern: '^[A-Za-z0-9_.:-]{1,200}$' },
  },
};

export const RESPONSE_HEADERS = {
  'X-Request-Id': {
    description: 'The id of this request, as the JSON request log names it (sent when the server writes JSON logs).',
    schema: { type: 'string' as const, format: 'uuid' },
  },
  ETag: {
    description: 'The stream’s revision after the command, quoted ("4"): send it as If-Match.',
    schema: { type: 'string' as const, pattern: '^"\\d+"$' },
  },
  Location: {
    description: 'Where the created resource is read.',
    schema: { type: 'string' as const },
  },
  'Retry-After': {
    description: 'Seconds to wait before asking again.',
    schema: { type: 'integer' as const, minimum: 0 },
  },
};

/** Every error an operation may answer, by status: its description (the content is always a Problem). */
export const PROBLEM_RESPONSES = {
  400: {
    name: 'BadRequest',
    description:
      'The request is not valid: validation-failed (errors lists each field or query parameter), malformed-body, ' +
      'body-too-deep, or a header this API reads (Idempotency-Key, If-Match) malformed.',
  },
  401: { name: 'Unauthorized', description: 'No bearer token, or one refused (signature, expiry, lifetime, claims).' },
  403: { name: 'Forbidden', description: 'The token’s role, or its agency’s relation to the case, may not do this.' },
  404: { name: 'NotFound', description: 'Nothing has the id in the path (or it is not visible yet).' },
  409: {
    name: 'Conflict',
    description: 'concurrency-conflict: the stream kept changing while the command was retried; send it again.',
  },
  412: { name: 'PreconditionFailed', description: 'precondition-failed: If-Match names an older revision.' },
  413: { name: 'ContentTooLarge', description: 'The body is larger than 1 MB.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not application/json in UTF-8.' },
  422: {
    name: 'UnprocessableContent',
    description:
      'A domain rule refuses the command (rule names it), or the Idempotency-Key was used for another command.',
  },
  500: { name: 'InternalServerError', description: 'An unexpected fault (logged in full, never shown).' },
  503: {
    name: 'ServiceUnavailable',
    description:
      'read-model-behind: the read models did not reach ?minPosition= within READ_WAIT_MS; read-model-not-built: ' +
      'one is being rebuilt from the start. Retry-After says when to ask again.',
  },
} as const;
export type ProblemStatus = keyof typeof PROBLEM_RESPONSES;

export const PROBLEM_CONTENT = { 'application/problem+json': { schema: schemaRef('Problem') } };

/** The shared components; `pruneUnusedComponents` leaves only those an operation uses. */
export function sharedComponents(): Components {
  const headers = Object.fromEntries(Object.entries(RESPONSE_HEADERS));
  const responses = Object.fromEntries(
    Object.entries(PROBLEM_RESPONSES).map(([status, { name, description }]) => [
      name,
      {
        description,
        headers: {
          'X-Request-Id': headerRef('X-Request-Id'),
          ...(status === '503' ? { 'Retry-After': headerRef('Retry-After') } : {}),
        },
        content: PROBLEM_CONTENT,
      },
    ]),
  );
  return {
    schemas: { Problem: PROBLEM, CommandResult: COMMAND_RESULT },
    parameters: COMMAND_HEADERS,
    headers,
    responses,
  };
}

/** Drops the components nothing outside `components` refers to, directly or through other components. */
export function pruneUnusedComponents(document: OpenAPIObject): void {
  const components = (document.components ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const pending = refsIn({ ...document, components: undefined });
  const used = new Set<string>();
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (used.has(next)) continue;
    used.add(next);
    const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(next) ?? [];
    if (kind && name) pending.push(...refsIn(components[kind]?.[name]));
  }
  for (const kind of ['schemas', 'responses', 'parameters', 'headers', 'examples', 'requestBodies']) {
    const entries = components[kind];
    if (!entries) continue;
    for (const name of Object.keys(entries)) {
      if (!used.has(`#/components/${kind}/${name}`)) delete entries[name];
    }
  }
}

function refsIn(value: unknown): string[] {
  const found: string[] = [];
  JSON.stringify(value, (key, inner: unknown) => {
    if (key === '$ref' && typeof inner === 'string') found.push(inner);
    return inner;
  });
  return found;
}
