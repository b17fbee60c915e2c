import type { Actor } from '@app/case-domain';
import { canonicalJson, commandDigest, type CommandEnvelope } from '@app/command-handling';
import { SubjectErased, type Keyring } from '@app/personal-data';
import { victimOf } from '../queries/personal-data-opener';

/** What the HTTP layer adds to a domain command: who, which request, and its conditions. */
export interface RequestContext {
  readonly actor: Actor;
  readonly correlationId: string;
  /** This request's own id: the cause of the events it writes. */
  readonly requestId: string;
  readonly idempotencyKey?: string;
  readonly ifRevision?: bigint;
}

export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;

/** The request's context as the generic command handler takes it. */
export function envelopeOf(context: RequestContext, now: Clock): CommandEnvelope {
  return {
    actor: context.actor,
    correlationId: context.correlationId,
    causationId: context.requestId,
    ...(context.idempotencyKey === undefined ? {} : { idempotencyKey: context.idempotencyKey }),
    ...(context.ifRevision === undefined ? {} : { ifRevision: context.ifRevision }),
    now,
  };
}

/**
 * A command about a case is digested under the person's key (an HMAC): its text may hold their
 * data. Once that key is destroyed nothing personal can be sent for them, so a plain digest
 * serves what is left.
 */
export async function digestUnderSubject(
  keyring: Keyring,
  caseId: string,
  command: { readonly type: string },
): Promise<string> {
  try {
    return await keyring.digestForSubject(victimOf(caseId), canonicalJson(command));
  } catch (error) {
    if (error instanceof SubjectErased) return commandDigest(command);
    throw error;
  }
}
