import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { applyReadResponses } from './read-responses';

/**
 * The OpenAPI document, generated from the code: routes from the controllers, request schemas
 * from the DTOs' class-validator decorators (so the document and the validation cannot drift),
 * errors as problem+json. Served at `/docs` (UI) and `/docs/openapi.json`.
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
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const schemas = validationMetadatasToSchemas({
    classValidatorMetadataStorage: getMetadataStorage(),
    refPointerPrefix: '#/components/schemas/',
    additionalConverters: { isLocalDate: { type: 'string', format: 'date' } },
  });
  // The validation pipe refuses unknown fields (and prototype keys): say so in every schema.
  const closed = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [name, { ...schema, additionalProperties: false }]),
  );
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...(closed as NonNullable<OpenAPIObject['components']>['schemas']) },
  };
  applyReadResponses(document);
  return document;
}

export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
}
