import type { Response } from 'express';
import type { CommandResult } from '@app/command-handling';
import { formatPosition } from '@app/event-store';

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
