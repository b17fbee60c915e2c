import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  caseDecider,
  CaseNotFound,
  caseStream,
  maracMeetingStream,
  ensureMayActOnCase,
  fold,
  type CaseEvent,
  type ErasePersonalData,
  type ErasureLegalBasis,
  type ErasureReason,
} from '@app/case-domain';
import { PreconditionFailed, toDomainEvent, type CommandResult } from '@app/command-handling';
import type { EventStore, RecordedEvent } from '@app/event-store';
import { erasureDigest, plainPersonalFields, sealedFieldsUnder, type Keyring } from '@app/personal-data';
import { EVENT_STORE, KEYRING } from '@app/platform';
import { READ_MODELS } from '@app/read-models';
import type { ReadModels } from '@app/read-models';
import type { RequestContext } from '../commands/command-context';
import { caseCommands } from '../commands/case-commands';
import { victimOf } from '../queries/personal-data-opener';

export interface Erasure {
  readonly result: CommandResult;
  readonly keyId: string;
  readonly sealedFields: number;
  readonly digest: string;
  readonly erasedOn: string;
}

/**
 * The case still has personal fields in clear (written before sealing, and not yet converted with
 * `npm run data:encrypt-existing`): destroying the key would not make them unreadable. Nothing is done.
 */
export class PersonalDataNotSealed extends Error {
  override readonly name = 'PersonalDataNotSealed';
  constructor(
    readonly caseId: string,
    readonly events: number,
  ) {
    super(
      `${events} events of case ${caseId} hold personal fields in clear: seal the store (npm run data:encrypt-existing) before erasing`,
    );
  }
}

/** Attempts when the case moves on between counting its sealed fields and recording the erasure. */
const ATTEMPTS = 3;

/**
 * Erasure (`POST /cases/:id/erasure`): records the data-protection role's decision, with the digest
 * of every ciphertext the person's key sealed (in the case's events and the MARAC meetings it is
 * listed at), then destroys the key. The event comes first: a crash before the key is gone leaves
 * the decision on record and a repeated request (idempotent) finishes the destruction; the other
 * order could leave data unreadable with no record of why.
 */
@Injectable()
export class PersonalDataEraser {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KEYRING) private readonly keyring: Keyring,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    private readonly commands: CommandBus,
  ) {}

  async erase(
    caseId: string,
    request: { reason: ErasureReason; legalBasis: ErasureLegalBasis },
    context: RequestContext,
  ): Promise<Erasure> {
    const subject = victimOf(caseId);
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(caseStream(caseId));
      if (recorded.length === 0) throw new CaseNotFound(`There is no case ${caseId}`);
      const state = fold(
        caseDecider,
        recorded.map((event) => toDomainEvent<CaseEvent>(event)),
      );
      const key = await this.keyring.store.bySubject(subject);
      const keyId = key?.keyId ?? 'none';
      const meetingEvents = await this.eventsInMeetings(caseId);
      const plain = [...recorded, ...meetingEvents].filter((e) => plainPersonalFields(e.type, e.data).length > 0);
      // Destroying the key would leave these readable: the store must be sealed first.
      if (plain.length > 0) throw new PersonalDataNotSealed(caseId, plain.length);
      const sealed = [...recorded, ...meetingEvents].flatMap((event) =>
        sealedFieldsUnder(locationOf(event), event.data, keyId),
      );
      const command: ErasePersonalData = {
        type: 'ErasePersonalData',
        ...request,
        key: { subject, keyId, sealedFields: sealed.length, digest: erasureDigest(sealed) },
      };
      // Access first, on the state read: another role learns nothing of the key or the digest.
      ensureMayActOnCase(context.actor, command, state);
      const revision = recorded.at(-1)!.revision;
      let result: CommandResult;
      try {
        result = await this.commands.execute(
          caseCommands.of(caseId, command, { ...context, ifRevision: context.ifRevision ?? revision }),
        );
      } catch (error) {
        // Something was written after the count: count again (unless the client set If-Match).
        if (error instanceof PreconditionFailed && context.ifRevision === undefined && attempt < ATTEMPTS) continue;
        throw error;
      }
      // Also when the key is already destroyed: a repeat finishes a deletion that stopped half-way.
      if (key) await this.keyring.destroySubjectKey(subject);
      return this.describe(caseId, result);
    }
  }

  /** The erasure as recorded (the first one, when this request repeated it). */
  private async describe(caseId: string, result: CommandResult): Promise<Erasure> {
    const events = await this.store.readStream(caseStream(caseId));
    const erased = events.find((event) => event.type === 'PersonalDataErased');
    const data = erased?.data as { keyId: string; sealedFields: number; digest: string; erasedOn: string };
    return { result, keyId: data.keyId, sealedFields: data.sealedFields, digest: data.digest, erasedOn: data.erasedOn };
  }

  /** The events about this case in the MARAC meetings it is listed at (their text is sealed under the same key). */
  private async eventsInMeetings(caseId: string): Promise<RecordedEvent[]> {
    const meetings = await this.readModels.meetingsOfCase(caseId);
    const streams = await Promise.all(
      meetings.map((meeting) => this.store.readStream(maracMeetingStream(meeting.meetingId))),
    );
    return streams.flat().filter((event) => (event.data as { caseId?: unknown } | null)?.caseId === caseId);
  }
}

const locationOf = (event: RecordedEvent) => ({ eventId: event.id, type: event.type, stream: event.stream });
