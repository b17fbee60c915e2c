import { Body, Controller, Inject, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { ensureAddresseeConfigured, type Agency, type CaseCommand, type Role } from '@app/case-domain';
import { AGENCIES } from '../auth/auth.guard';
import { AllowRoles } from '../auth/actor.decorators';
import type { RequestContext } from '../commands/command-context';
import { runCaseCommand } from '../http/command-response';
import { CommandContext } from '../http/request-context';
import { CASE_ACTIONS, type CaseActionType } from './case-actions';

/** The routes of `CASE_ACTIONS`, one method per row (named after its command), added below. */
@Controller('cases/:caseId')
@AllowRoles('caseworker')
export class CaseActionsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(AGENCIES) private readonly agencies: ReadonlyMap<string, Agency>,
  ) {}

  /** Where every row's route lands: the body already holds the command's fields. */
  run(type: CaseActionType, caseId: string, body: object, context: RequestContext, response: Response) {
    const command = { type, ...body } as CaseCommand;
    ensureAddresseeConfigured(command, (agency) => this.agencies.has(agency));
    return runCaseCommand(this.commands, caseId, command, context, response);
  }
}

/**
 * Adds a row's route: a method decorated as the compiler would decorate a hand-written
 * `action(@Param('caseId') caseId, @Body() body: Dto, @CommandContext() context, @Res() response)`.
 * `design:paramtypes` is what the compiler would emit: from it the global ValidationPipe knows
 * the body's class (so it validates, and refuses unknown fields) and the OpenAPI document shows
 * its schema.
 */
function addRoute(
  type: CaseActionType,
  {
    path,
    summary,
    dto,
    roles,
    readsReadModels,
  }: { path: string; summary: string; dto: new () => object; roles?: readonly Role[]; readsReadModels?: string },
) {
  const prototype = CaseActionsController.prototype;
  function route(
    this: CaseActionsController,
    caseId: string,
    body: object,
    context: RequestContext,
    response: Response,
  ) {
    return this.run(type, caseId, body, context, response);
  }
  // The OpenAPI explorer finds a method's parameters by the function's own name.
  Object.defineProperty(route, 'name', { value: type });
  Object.defineProperty(prototype, type, { value: route, writable: true, configurable: true });
  Reflect.defineMetadata('design:paramtypes', [String, dto, Object, Object], prototype, type);
  Param('caseId', new ParseUUIDPipe())(prototype, type, 0);
  Body()(prototype, type, 1);
  CommandContext()(prototype, type, 2);
  Res({ passthrough: true })(prototype, type, 3);
  const method = Object.getOwnPropertyDescriptor(prototype, type)!;
  Post(path)(prototype, type, method);
  ApiOperation({ summary })(prototype, type, method);
  if (readsReadModels) ApiServiceUnavailableResponse({ description: readsReadModels })(prototype, type, method);
  if (roles) AllowRoles(...roles)(prototype, type, method);
}

for (const [type, action] of Object.entries(CASE_ACTIONS)) {
  addRoute(type as CaseActionType, action);
}
