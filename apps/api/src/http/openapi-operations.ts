import { ParseUUIDPipe, type INestApplication, type PipeTransform, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { DECORATORS, type OpenAPIObject } from '@nestjs/swagger';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from '../auth/actor.decorators';
import {
  COMMAND_HEADERS,
  headerRef,
  parameterRef,
  PROBLEM_CONTENT,
  PROBLEM_RESPONSES,
  responseRef,
  schemaRef,
  type ProblemStatus,
} from './openapi-components';
import { REQUEST_EXAMPLES } from './openapi-examples';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Parameter = Extract<NonNullable<Operation['parameters']>[number], { in: string }>;
type Response = Extract<Operation['responses'][string], { description: string }>;
type Schema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; required?: string[] };

/** What the code says of one route: read from its controller's decorators, as Nest itself reads them. */
interface RouteFacts {
  readonly method: string;
  /** The class of its `@Query()` object, whose schema lists the query parameters. */
  readonly query?: Type;
  /** The class of its `@Param()` object, whose schema lists the path parameters. */
  readonly params?: Type;
  /** Path parameters read one by one with `ParseUUIDPipe`. */
  readonly uuidParams: ReadonlySet<string>;
  readonly body?: Type;
  readonly isPublic: boolean;
  readonly roles?: readonly string[];
  readonly produces?: readonly string[];
}

/** Every route of the application, by the operationId SwaggerModule gives it (`<Controller>_<method>`). */
export function routeFacts(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      const controller = metatype as Type | null;
      if (!controller || Reflect.getMetadata(PATH_METADATA, controller) === undefined) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as unknown;
        if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        facts.set(`${controller.name}_${name}`, factsOf(controller, name, handler));
      }
    }
  }
  return facts;
}

function factsOf(controller: Type, name: string, handler: object): RouteFacts {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
    string,
    { index: number; data?: unknown; pipes?: PipeTransform[] }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, name) ?? []) as Type[];
  const whole = (kind: RouteParamtypes) =>
    Object.entries(args).find(([key, arg]) => key === `${kind}:${arg.index}` && arg.data === undefined)?.[1];
  const typeOf = (kind: RouteParamtypes) => {
    const arg = whole(kind);
    return arg ? types[arg.index] : undefined;
  };
  const uuidParams = new Set(
    Object.entries(args)
      .filter(([key, arg]) => key.startsWith(`${RouteParamtypes.PARAM}:`) && typeof arg.data === 'string')
      .filter(([, arg]) => (arg.pipes ?? []).some((pipe) => pipe instanceof ParseUUIDPipe))
      .map(([, arg]) => arg.data as string),
  );
  const either = <T>(key: string) =>
    (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller)) as T | undefined;
  const query = typeOf(RouteParamtypes.QUERY);
  const params = typeOf(RouteParamtypes.PARAM);
  const body = typeOf(RouteParamtypes.BODY);
  const roles = either<string[]>(ALLOWED_ROLES);
  const produces = either<string[]>(DECORATORS.API_PRODUCES);
  return {
    method: String(Reflect.getMetadata(METHOD_METADATA, handler)),
    uuidParams,
    isPublic: either<boolean>(PUBLIC_ROUTE) === true,
    ...(query ? { query } : {}),
    ...(params ? { params } : {}),
    ...(body ? { body } : {}),
    ...(roles ? { roles } : {}),
    ...(produces ? { produces } : {}),
  };
}

/**
 * Completes each operation from its route's facts: path and query parameters from the DTOs the
 * validation pipe checks them with, the headers commands read, every answer it can give (errors
 * as problem+json), the request body's example, and who may call it. Nothing here is written per
 * route: a new route is described by the same rules.
 */
export function completeOperations(document: OpenAPIObject, routes: ReadonlyMap<string, RouteFacts>): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const facts = routes.get(operation.operationId ?? '');
      if (!facts) throw new Error(`No route found for the operation ${operation.operationId} (${path})`);
      const command = method === 'post';
      operation.parameters = [
        ...pathParameters(path, operation, facts, schemas),
        ...queryParameters(operation, facts, schemas),
        ...(command ? Object.keys(COMMAND_HEADERS).map(parameterRef) : []),
      ];
      if (facts.body) addExample(operation, facts.body);
      operation.responses = {
        ...(command ? commandAnswers(path) : readAnswers(operation, facts)),
        ...problemAnswers(path, operation, facts, schemas, command),
      };
      if (facts.isPublic) operation.security = [];
      else if (facts.roles) {
        const roles = `For the ${facts.roles.join(', ')} role${facts.roles.length > 1 ? 's' : ''}.`;
        operation.description = operation.description ? `${operation.description}\n\n${roles}` : roles;
      }
    }
  }
}

/** Every `{name}` of the path: from the `@Param()` DTO's schema, or a UUID when `ParseUUIDPipe` reads it. */
function pathParameters(
  path: string,
  operation: Operation,
  facts: RouteFacts,
  schemas: Record<string, Schema>,
): Parameter[] {
  const fromDto = facts.params ? (schemas[facts.params.name]?.properties ?? {}) : {};
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const schema = fromDto[name!] ?? (facts.uuidParams.has(name!) ? { type: 'string', format: 'uuid' } : undefined);
    if (!schema) throw new Error(`The path parameter ${name} of ${path} has no schema: read it with a pipe or a DTO`);
    const given = existing(operation, 'path', name!);
    return { ...given, name: name!, in: 'path', required: true, schema };
  });
}

/** Each property of the `@Query()` DTO's schema (a description on the DTO's field or an @ApiQuery kept). */
function queryParameters(operation: Operation, facts: RouteFacts, schemas: Record<string, Schema>): Parameter[] {
  if (!facts.query) return [];
  const schema = schemas[facts.query.name];
  if (!schema) throw new Error(`No schema for the query of ${operation.operationId}`);
  return Object.entries(schema.properties ?? {}).map(([name, { description, ...property }]) => ({
    ...existing(operation, 'query', name),
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    ...(typeof description === 'string' ? { description } : {}),
    schema: property,
  }));
}

function existing(operation: Operation, place: string, name: string): Partial<Parameter> {
  return (
    (operation.parameters ?? []).find(
      (parameter): parameter is Parameter => 'in' in parameter && parameter.in === place && parameter.name === name,
    ) ?? {}
  );
}

function addExample(operation: Operation, body: Type): void {
  const example = REQUEST_EXAMPLES.get(body);
  const media =
    operation.requestBody && 'content' in operation.requestBody && operation.requestBody.content['application/json'];
  if (media && example) media.example = example;
}

/**
 * A command: 200 with the CommandResult (and the new revision as ETag). A POST to a collection
 * (no id in the path) creates: 201 with Location, or 200 when it repeats an earlier creation.
 */
function commandAnswers(path: string): Operation['responses'] {
  const answer = (description: string, creates = false): Response => ({
    description,
    headers: {
      ETag: headerRef('ETag'),
      ...(creates ? { Location: headerRef('Location') } : {}),
      'X-Request-Id': headerRef('X-Request-Id'),
    },
    content: { 'application/json': { schema: schemaRef('CommandResult') } },
  });
  if (path.includes('{')) return { 200: answer('Done: the events written, the new revision and the position.') };
  return {
    200: answer('The same creation (or Idempotency-Key) again: the first answer, nothing written (replayed).'),
    201: answer('Created: the events written, the revision and the position; Location names it.', true),
  };
}

/** A read's answers as SwaggerModule found them, with a description and the content type it sends. */
function readAnswers(operation: Operation, facts: RouteFacts): Operation['responses'] {
  const types = facts.produces ?? ['application/json'];
  // SwaggerModule leaves out its default 200 when a decorator declares another answer (a 403, a 404).
  const found = Object.keys(operation.responses).some((status) => status.startsWith('2'));
  const responses = found ? operation.responses : { 200: { description: '' }, ...operation.responses };
  return Object.fromEntries(
    Object.entries(responses)
      .filter(([status, response]) => status.startsWith('2') || (response !== undefined && 'content' in response))
      .map(([status, response]) => {
        const given = response as Response;
        return [
          status,
          {
            ...given,
            description: given.description || 'OK',
            headers: { 'X-Request-Id': headerRef('X-Request-Id'), ...given.headers },
            content: given.content ?? Object.fromEntries(types.map((type) => [type, {}])),
          },
        ];
      }),
  );
}

/** The errors the route can answer, each as problem+json; a status a decorator declared keeps its words. */
function problemAnswers(
  path: string,
  operation: Operation,
  facts: RouteFacts,
  schemas: Record<string, Schema>,
  command: boolean,
): Operation['responses'] {
  const namesResource = facts.uuidParams.size > 0 || /\{\w*Id\}/.test(path);
  const readsQuery = facts.query !== undefined && Object.keys(schemas[facts.query.name]?.properties ?? {}).length > 0;
  const waitsForReadModels =
    facts.query !== undefined && 'minPosition' in (schemas[facts.query.name]?.properties ?? {});
  const declared = Object.keys(operation.responses).filter((status) => /^[45]\d\d$/.test(status));
  const statuses: ProblemStatus[] = [
    ...(readsQuery || path.includes('{') || facts.body || command ? [400 as const] : []),
    ...(facts.isPublic ? [] : [401 as const]),
    ...(!facts.isPublic && (facts.roles || namesResource) ? [403 as const] : []),
    ...(namesResource ? [404 as const] : []),
    ...(command ? [409 as const, 412 as const, 422 as const] : []),
    ...(facts.body ? [413 as const, 415 as const] : []),
    ...(waitsForReadModels ? [503 as const] : []),
    500 as const,
    ...declared.map((status) => Number(status) as ProblemStatus),
  ];
  return Object.fromEntries(
    [...new Set(statuses)]
      .sort((a, b) => a - b)
      .map((status): [number, Operation['responses'][string]] => {
        const given = operation.responses[status] as Response | undefined;
        if (given?.content) return [status, given];
        if (!given?.description) return [status, responseRef(PROBLEM_RESPONSES[status].name)];
        return [
          status,
          {
            description: given.description,
            headers: { 'X-Request-Id': headerRef('X-Request-Id') },
            content: PROBLEM_CONTENT,
          },
        ];
      }),
  );
}
