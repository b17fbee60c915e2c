import { JSONSchema } from 'class-validator-jsonschema';
import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { IsOptional, IsString, Length } from 'class-validator';
import {
  caseDecider,
  CaseNotFound,
  caseHistoryAccess,
  caseReadContext,
  caseStream,
  fold,
  redactEventData,
  type Actor,
  type CaseEvent,
} from '@app/case-domain';
import { metadataOf, toDomainEvent } from '@app/command-handling';
import { formatPosition, type EventStore } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';
import { CLOCK, type Clock } from '../commands/command-context';
import { CaseReadLog } from './case-read-log';
import { PersonalDataOpener } from './personal-data-opener';
import { HISTORY_PAGE, StreamPageQueryDto } from './query.dtos';
import { PersonalDataReads } from './personal-data-reads';

/** `GET /cases/:id/history?reason=&limit=&after=`. */
export { HISTORY_PAGE };

export class CaseHistoryQueryDto extends StreamPageQueryDto {
  /** Why personal details are read: an auditor sees them only with a reason of at least 10 characters. */
  @JSONSchema({
    description:
      'Why personal details are read: an auditor sees them only with a reason of at least 10 characters; recorded.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class GetCaseHistory {
  constructor(
    readonly actor: Actor,
    readonly caseId: string,
    readonly query: CaseHistoryQueryDto,
  ) {}
}

/**
 * The case's events in order, with who recorded each and when: for auditors and the case's own
 * agency, a page at a time. Read from the event store (the truth, not a read model); each event's
 * personal part passes the domain's one redaction, and a page that showed any is recorded as a
 * personal-data read.
 */
@QueryHandler(GetCaseHistory)
export class GetCaseHistoryHandler implements IQueryHandler<GetCaseHistory> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly personalDataLog: PersonalDataReads,
    private readonly opener: PersonalDataOpener,
    private readonly readLog: CaseReadLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ actor, caseId, query }: GetCaseHistory) {
    const recorded = await this.store.readStream(caseStream(caseId));
    if (recorded.length === 0) throw new CaseNotFound(`There is no case ${caseId}`);
    const events = recorded.map((event) => toDomainEvent<CaseEvent>(event));
    // Who the case belongs to now decides who reads all of it (the whole stream, not just this page).
    const state = fold(caseDecider, events);
    // No MARAC listing opens a history (only auditors and the case's own agency read it), so the
    // history needs no read model: it answers from the store even while Redis is being rebuilt.
    const access = caseHistoryAccess(actor, caseReadContext(state, [], this.clock()), query.reason);

    const limit = query.limit ?? HISTORY_PAGE.default;
    const from = query.after === undefined ? 0 : query.after + 1;
    const page = recorded.slice(from, from + limit);
    // Redacted first, then opened: nothing is decrypted that this reader may not see.
    const shown = await Promise.all(
      page.map((event, index) =>
        this.opener.openEvent(
          caseId,
          { eventId: event.id, type: event.type, stream: event.stream },
          redactEventData(event.type, events[from + index]!.data, access),
          state.personalDataErased !== undefined,
        ),
      ),
    );
    const shownPersonal = shown.some(({ data }) => typeof data === 'object' && data !== null && 'personal' in data);
    this.readLog.record([caseId], actor, 'GET /cases/{caseId}/history', query.reason);
    if (shownPersonal) {
      const reason = query.reason ?? 'caseworker of the case’s own agency';
      await this.personalDataLog.record(caseId, actor, reason, 'case history');
    }
    const more = from + limit < recorded.length;
    return {
      caseId,
      personalDataShown: shownPersonal,
      events: page.map((event, index) => {
        const metadata = metadataOf(event);
        return {
          revision: event.revision.toString(),
          position: formatPosition(event.position),
          type: event.type,
          data: shown[index]!.data,
          ...(shown[index]!.erased.length > 0 ? { erasedFields: shown[index]!.erased } : {}),
          actor: metadata?.actor,
          recordedAt: event.recordedAt.toISOString(),
          correlationId: metadata?.correlationId,
          causationId: metadata?.causationId,
          schemaVersion: metadata?.schemaVersion,
        };
      }),
      next: more ? page.at(-1)!.revision.toString() : null,
    };
  }
}
