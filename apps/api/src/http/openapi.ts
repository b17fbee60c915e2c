import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { pruneUnusedComponents, sharedComponents } from './openapi-components';
import { completeOperations, routeFacts } from './openapi-operations';
import { applyReadResponses } from './read-responses';

type Schemas = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>;

/**
 * The OpenAPI document, generated from the code: routes from the controllers, request schemas
 * and query and path parameters from the DTOs' class-validator decorators (so the document and
 * the validation cannot drift), headers and answers from what each route reads and can answer
 * (openapi-operations.ts), errors as problem+json. Served at `/docs` (UI) and `/docs/openapi.json`.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('MARAC case management')
    .setDescription(
      'Commands on modern slavery cases (NRM pathway) and MARAC meetings. Every command answers with the stream ' +
        'revision (ETag) and the global position it wrote; If-Match makes it conditional (412), Idempotency-Key makes ' +
        'a retry safe. Errors are application/problem+json (RFC 9457); 422 carries the domain rule that refused.',
    )
    .setVersion('1')
    .addServer('/', 'This server (the document is served by the API it describes)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // package.json's licence; DocumentBuilder would add an empty url, and an empty contact.
  document.info = { ...document.info, license: { name: 'UNLICENSED (proprietary: not licensed for reuse)' } };
  delete document.info.contact;
  const schemas = validationMetadatasToSchemas({
    classValidatorMetadataStorage: getMetadataStorage(),
    refPointerPrefix: '#/components/schemas/',
    additionalConverters: {
      isLocalDate: { type: 'string', format: 'date' },
      isInstant: { type: 'string', format: 'date-time' },
    },
  });
  // The validation pipe refuses unknown fields (and prototype keys): say so in every schema.
  const closed = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [
      name,
      withoutRefSiblings({ ...schema, additionalProperties: false }),
    ]),
  );
  const shared = sharedComponents();
  document.components = {
    ...document.components,
    ...shared,
    schemas: { ...document.components?.schemas, ...(closed as Schemas), ...shared.schemas },
  };
  completeOperations(document, routeFacts(app));
  applyReadResponses(document);
  pruneUnusedComponents(document);
  return document;
}

/** In OpenAPI 3.0 a `$ref` stands alone: what class-validator-jsonschema puts beside one is ignored, so dropped. */
function withoutRefSiblings<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(withoutRefSiblings) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const record = schema as Record<string, unknown>;
  if (typeof record.$ref === 'string') return { $ref: record.$ref } as T;
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, withoutRefSiblings(value)])) as T;
}

export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
}
