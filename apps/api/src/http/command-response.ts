import type { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import type { CaseCommand } from '@app/case-domain';
import type { CommandResult } from '@app/command-handling';
import { formatPosition } from '@app/event-store';
import type { RequestContext } from '../commands/command-context';
import { caseCommands } from '../commands/case-commands';

/** The body of every command response, and the ETag header carrying the stream revision. */
export function commandResponse(response: Response, result: CommandResult, extra: Record<string, unknown> = {}) {
  response.setHeader('ETag', `"${result.revision}"`);
  return {
    ...extra,
    revision: result.revision.toString(),
    position: formatPosition(result.position),
    events: result.eventTypes,
    replayed: result.replayed,
  };
}

/** A command on an existing case, answered 200 with the new revision (also as ETag) and position. */
export async function runCaseCommand(
  commands: CommandBus,
  caseId: string,
  command: CaseCommand,
  context: RequestContext,
  response: Response,
) {
  const result: CommandResult = await commands.execute(caseCommands.of(caseId, command, context));
  response.status(200);
  return commandResponse(response, result, { caseId });
}
