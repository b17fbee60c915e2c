import type { ExpectedRevision } from './event-store.port';

/** The stream was not at the revision the writer expected; nothing was written. */
export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';

  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's current revision, or `'no_stream'` when it does not exist. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Stream ${stream} was expected at ${String(expected)} but is at ${String(actual)}`);
  }
}

/** An event's data or metadata could not be stored as JSON; nothing was written. */
export class InvalidEventDataError extends Error {
  override readonly name = 'InvalidEventDataError';
}
