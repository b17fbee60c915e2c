import type { Position } from './event-store.port';

/** Orders two global positions (-1, 0, 1), commit first, as EventStoreDB does. */
export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** `"<commit>/<prepare>"`: a position as text, for checkpoints, headers and JSON. */
export function formatPosition(position: Position): string {
  return `${position.commit}/${position.prepare}`;
}

/** Reads what `formatPosition` wrote; `undefined` for anything else. */
export function parsePosition(text: string): Position | undefined {
  const match = /^(\d{1,20})\/(\d{1,20})$/.exec(text);
  if (!match) return undefined;
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}
