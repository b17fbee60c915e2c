import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import {
  agenciesOf,
  CaseNotFound,
  caseListScope,
  caseReadAccess,
  caseReadContext,
  NotPermitted,
  londonDateOf,
  personalDetailsRefusal,
  shareIsCurrent,
  type Actor,
  type CaseState,
} from '@app/case-domain';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import { READ_MODEL_PROJECTIONS, type CaseListFilter, type ReadModels, READ_MODELS } from '@app/read-models';
import { CLOCK, type Clock } from '../commands/command-context';
import { caseSummary, caseView, sharingShownTo } from './case-view';
import { CaseReadLog } from './case-read-log';
import { PersonalDataOpener } from './personal-data-opener';
import { PersonalDataReads } from './personal-data-reads';
import { awaitPosition } from './read-your-writes';

export class GetCaseView {
  constructor(
    readonly actor: Actor,
    readonly caseId: string,
    readonly options: { readonly personal: boolean; readonly reason?: string; readonly minPosition?: string },
  ) {}
}

@QueryHandler(GetCaseView)
export class GetCaseViewHandler implements IQueryHandler<GetCaseView> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly personalDataLog: PersonalDataReads,
    private readonly opener: PersonalDataOpener,
    private readonly readLog: CaseReadLog,
  ) {}

  async execute({ actor, caseId, options }: GetCaseView) {
    const projections = [READ_MODEL_PROJECTIONS.caseView, READ_MODEL_PROJECTIONS.marac];
    await awaitPosition(this.readModels, options.minPosition, projections, this.config.readWaitMs);
    const [found, meetings, laterCaseIds] = await Promise.all([
      this.readModels.caseView(caseId),
      this.readModels.meetingsOfCase(caseId),
      this.readModels.laterCasesOf(caseId),
    ]);
    if (!found) throw new CaseNotFound(`There is no case ${caseId}`);
    const { view, deadlines } = found;
    const now = this.clock();
    const access = caseReadAccess(actor, caseReadContext(view.domain, meetings, now), options.reason);
    // Personal details are shown only when asked for (and allowed), and every such read is recorded.
    if (options.personal && !access.personalDetails)
      throw new NotPermitted(personalDetailsRefusal(actor, options.reason));
    this.readLog.record([caseId], actor, 'GET /cases/{caseId}', options.reason);
    if (options.personal) {
      const reason = options.reason ?? personalReadGround(actor, view.domain, now);
      await this.personalDataLog.record(caseId, actor, reason, 'case view');
    }
    const [opened, openedMeetings] = await Promise.all([
      this.opener.openCaseView(view, access, options.personal),
      this.opener.openMeetings(meetings, () => view.domain.personalDataErased !== undefined, caseId),
    ]);
    const sharing = sharingShownTo(actor, view.domain, access);
    return caseView(view, deadlines, openedMeetings, laterCaseIds, opened, now.getTime(), sharing);
  }
}

export class ListCases {
  constructor(
    readonly actor: Actor,
    readonly filter: CaseListFilter,
    readonly page: { readonly limit: number; readonly after?: number },
    readonly minPosition?: string,
  ) {}
}

/**
 * `GET /cases`: caseworkers list their own agency's cases (asking for another agency is 403);
 * the coordinator lists the cases referred to the MARAC; auditors list every case.
 */
@QueryHandler(ListCases)
export class ListCasesHandler implements IQueryHandler<ListCases> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ actor, filter, page, minPosition }: ListCases) {
    await awaitPosition(this.readModels, minPosition, [READ_MODEL_PROJECTIONS.caseView], this.config.readWaitMs);
    const scoped: CaseListFilter = { ...filter, ...caseListScope(actor, filter.agency) };
    const found = await this.readModels.listCases(scoped, page);
    const views = await this.readModels.caseViews(found.caseIds);
    return {
      total: found.total,
      cases: found.caseIds.flatMap((id) => {
        const view = views.get(id);
        return view ? [caseSummary(view)] : [];
      }),
      next: found.next === undefined ? null : String(found.next),
    };
  }
}

/**
 * Why a caseworker may read the person's details, as the personal-data read log records it: their
 * agency's own case, or the share it reads through, with the share's purpose and legal basis.
 */
function personalReadGround(actor: Actor, domain: CaseState, now: Date): string {
  if (agenciesOf(domain).includes(actor.agency.id)) return 'caseworker of the case’s own agency';
  const today = londonDateOf(now);
  const share = domain.shares?.find(
    (candidate) => candidate.agency === actor.agency.id && shareIsCurrent(candidate, today),
  );
  return share
    ? `share ${share.shareId}: ${share.purpose}, legal basis ${share.legalBasis}`
    : 'caseworker of the case’s own agency';
}
