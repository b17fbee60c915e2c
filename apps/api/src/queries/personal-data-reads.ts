import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@app/case-domain';
import type { EventStore } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';

export const personalDataReadsStream = (caseId: string) => `personal-data-reads-${caseId}`;

/**
 * Every read of personal data is itself recorded (domain page: who, when, why), in a stream of
 * its own so that reading a case never changes the case's revision (and so its ETag).
 */
@Injectable()
export class PersonalDataReads {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async record(caseId: string, actor: Actor, reason: string, what: string): Promise<void> {
    await this.store.append(personalDataReadsStream(caseId), [
      {
        type: 'PersonalDataRead',
        data: { caseId, reader: { userId: actor.userId, role: actor.role, agency: actor.agency.id }, reason, what },
        metadata: { schemaVersion: 1 },
      },
    ]);
  }

  async list(caseId: string) {
    const reads = await this.store.readStream(personalDataReadsStream(caseId));
    return reads.map((event) => ({ ...(event.data as object), recordedAt: event.recordedAt.toISOString() }));
  }
}
