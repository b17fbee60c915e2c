import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  CaseNotFound,
  caseReadAccess,
  caseReadContext,
  NotPermitted,
  personalDetailsRefusal,
  type Actor,
  type CaseState,
} from '@app/case-domain';
import { formatPosition } from '@app/event-store';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import { READ_MODEL_PROJECTIONS, READ_MODELS, recordedBy, type CaseViewState, type ReadModels } from '@app/read-models';
import { CLOCK, type Clock } from '../commands/command-context';
import { caseView } from './case-view';
import { PastStates, type PastPoint } from './past-states';
import { CaseReadLog } from './case-read-log';
import { PersonalDataOpener } from './personal-data-opener';
import { PersonalDataReads } from './personal-data-reads';
import { awaitPosition } from './read-your-writes';

/** Which past state: the case as it stood at an instant, or just after one of its revisions was written. */
export type CasePoint = { readonly asOf: string } | { readonly revision: number };

export class GetCaseAsOf {
  constructor(
    readonly actor: Actor,
    readonly caseId: string,
    readonly point: CasePoint,
    readonly options: { readonly personal: boolean; readonly reason?: string; readonly minPosition?: string },
  ) {}
}

/**
 * `GET /cases/:id?asOf=` or `?revision=`: the case view as it stood then, folded from the event
 * store by the live view's own projection (`PastStates`) and shown through the same `caseView`,
 * redaction and opening as `GET /cases/:id`. Who may read it, and how much, is decided as for the
 * live view: by the case and its MARAC listings now. `asOf` takes the events the store had recorded
 * by then (their `recordedAt`); `revision` the events up to it, with the meetings as they stood
 * just after it was written. The MARAC actions' "overdue" is judged at that instant too. The later
 * cases naming this one (`laterCaseIds`) are those whose identification was recorded by then too.
 */
@QueryHandler(GetCaseAsOf)
export class GetCaseAsOfHandler implements IQueryHandler<GetCaseAsOf> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly past: PastStates,
    private readonly personalDataLog: PersonalDataReads,
    private readonly opener: PersonalDataOpener,
    private readonly readLog: CaseReadLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ actor, caseId, point, options }: GetCaseAsOf) {
    // Only the meetings' and later cases' indexes are read from Redis: wait for them if asked to.
    const indexes = [READ_MODEL_PROJECTIONS.marac, READ_MODEL_PROJECTIONS.caseView];
    await awaitPosition(this.readModels, options.minPosition, indexes, this.config.readWaitMs);
    const [stream, meetingStreams] = await Promise.all([
      this.past.caseStream(caseId),
      this.past.meetingStreamsOfCase(caseId),
    ]);
    if (stream.recorded.length === 0) throw new CaseNotFound(`There is no case ${caseId}`);
    const at = 'asOf' in point ? Date.parse(point.asOf) : undefined;
    const count = at === undefined ? ('revision' in point ? point.revision + 1 : 0) : recordedBy(stream.recorded, at);
    const { view, deadlines, current } = this.past.caseAt(caseId, stream, count);

    // Access first, as for the live view: a reader refused learns nothing of the case's revisions.
    const access = caseReadAccess(
      actor,
      caseReadContext(current, this.past.meetingsListing(caseId, meetingStreams), this.clock()),
      options.reason,
    );
    if (options.personal && !access.personalDetails)
      throw new NotPermitted(personalDetailsRefusal(actor, options.reason));
    if (count === 0) throw new CaseNotFound(`There was no case ${caseId} yet at ${new Date(at!).toISOString()}`);
    if (count > stream.recorded.length)
      throw new CaseNotFound(`Case ${caseId} has no revision ${count - 1}: it is at ${stream.recorded.length - 1}`);

    const last = stream.recorded[count - 1]!;
    const then: PastPoint = at === undefined ? { upTo: last.position } : { at };
    const route = at === undefined ? 'GET /cases/{caseId}?revision=' : 'GET /cases/{caseId}?asOf=';
    this.readLog.record([caseId], actor, route, options.reason);
    if (options.personal) {
      await this.personalDataLog.record(
        caseId,
        actor,
        options.reason ?? 'caseworker of the case’s own agency',
        'case view as of',
      );
    }
    const erased = current.personalDataErased !== undefined;
    const [opened, meetings, laterCaseIds] = await Promise.all([
      this.opener.openCaseView(withErasureOf(view, current), access, options.personal),
      this.opener.openMeetings(this.past.meetingsListing(caseId, meetingStreams, then), () => erased, caseId),
      this.past.laterCasesAt(caseId, then),
    ]);
    const instant = at ?? last.recordedAt.getTime();
    return {
      ...caseView(view, deadlines, meetings, laterCaseIds, opened, instant),
      asOf: {
        ...('asOf' in point ? { requested: new Date(at!).toISOString() } : { requested: null }),
        revision: last.revision.toString(),
        position: formatPosition(last.position),
        recordedAt: last.recordedAt.toISOString(),
        headRevision: (stream.recorded.length - 1).toString(),
      },
    };
  }
}

/**
 * The view as the opener must treat it: a person erased since then has no key, so their fields
 * are shown erased without asking for one (a key still cached here opens nothing).
 */
export function withErasureOf(view: CaseViewState, current: CaseState): CaseViewState {
  if (current.personalDataErased === undefined || view.domain.personalDataErased !== undefined) return view;
  return { ...view, domain: { ...view.domain, personalDataErased: current.personalDataErased } };
}
