import { BadRequestException } from '@nestjs/common';
import { parsePosition } from '@app/event-store';
import type { ReadModels } from '@app/read-models';

/**
 * Read your writes: a command response carries the global position it wrote; a query given
 * `?minPosition=` waits (up to `waitMs`) until the read models it reads have reached it, else
 * `ReadModelBehind` (503 with Retry-After).
 */
export async function awaitPosition(
  readModels: ReadModels,
  minPosition: string | undefined,
  projections: readonly string[],
  waitMs: number,
): Promise<void> {
  if (minPosition === undefined) return;
  const position = parsePosition(minPosition);
  if (!position) throw new BadRequestException('minPosition must be a position a command response gave, like "42/42"');
  await readModels.waitFor(position, projections, waitMs);
}
