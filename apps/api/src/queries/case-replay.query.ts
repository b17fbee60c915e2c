import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CaseNotFound, type Actor } from '@app/case-domain';
import { HISTORY_PAGE, type CaseHistoryQueryDto } from './case-history.query';
import { CaseReadLog } from './case-read-log';
import { CaseTimeline } from './case-timeline';
import { PastStates } from './past-states';
import { PersonalDataReads } from './personal-data-reads';

/** `GET /cases/:id/replay?reason=&limit=&after=`: paged as the history is (`after` = the previous page's `next`). */
export class GetCaseReplay {
  constructor(
    readonly actor: Actor,
    readonly caseId: string,
    readonly query: CaseHistoryQueryDto,
  ) {}
}

/**
 * A page of the case's timeline (`CaseTimeline`: each event with who, when, and the view fields
 * it changed). Access as for the history; a page that showed personal details is recorded as a
 * personal-data read, and every page in the read log.
 */
@QueryHandler(GetCaseReplay)
export class GetCaseReplayHandler implements IQueryHandler<GetCaseReplay> {
  constructor(
    private readonly past: PastStates,
    private readonly timeline: CaseTimeline,
    private readonly personalDataLog: PersonalDataReads,
    private readonly readLog: CaseReadLog,
  ) {}

  async execute({ actor, caseId, query }: GetCaseReplay) {
    const stream = await this.past.caseStream(caseId);
    if (stream.recorded.length === 0) throw new CaseNotFound(`There is no case ${caseId}`);
    const access = this.timeline.access(actor, caseId, stream, query.reason);
    const limit = query.limit ?? HISTORY_PAGE.default;
    const from = query.after === undefined ? 0 : query.after + 1;
    const to = Math.min(from + limit, stream.recorded.length);
    const { steps, personalDataShown } = await this.timeline.steps(caseId, stream, access, { from, to });
    this.readLog.record([caseId], actor, 'GET /cases/{caseId}/replay', query.reason);
    if (personalDataShown) {
      await this.personalDataLog.record(
        caseId,
        actor,
        query.reason ?? 'caseworker of the case’s own agency',
        'case replay',
      );
    }
    return {
      caseId,
      personalDataShown,
      events: steps,
      next: to < stream.recorded.length && steps.length > 0 ? steps.at(-1)!.revision : null,
    };
  }
}
