import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { agenciesOf, CaseNotFound, caseReadAccess, hasReason, NotPermitted, type Actor } from '@app/case-domain';
import { APP_CONFIG, READ_MODELS, type AppConfig } from '@app/platform';
import { READ_MODEL_PROJECTIONS, type CaseListFilter, type ReadModels } from '@app/read-models';
import { CLOCK, type Clock } from '../commands/execute-command';
import { caseSummary, caseView } from './case-view';
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
  ) {}

  async execute({ actor, caseId, options }: GetCaseView) {
    const projections = [READ_MODEL_PROJECTIONS.caseView, READ_MODEL_PROJECTIONS.marac];
    await awaitPosition(this.readModels, options.minPosition, projections, this.config.readWaitMs);
    const [found, meetings] = await Promise.all([
      this.readModels.caseView(caseId),
      this.readModels.meetingsOfCase(caseId),
    ]);
    if (!found) throw new CaseNotFound(`There is no case ${caseId}`);
    const { view, deadlines } = found;
    const access = caseReadAccess(
      actor,
      {
        caseAgencies: agenciesOf(view.domain),
        maracAttendingAgencies: meetings.flatMap((meeting) => meeting.attendingAgencies),
        atMarac: view.domain.maracReferrals > 0 || meetings.length > 0,
      },
      options.reason,
    );
    // Personal details are shown only when asked for (and allowed), and every such read is recorded.
    const showPersonal = options.personal && access.personalDetails;
    if (options.personal && !access.personalDetails) {
      throw new NotPermitted(
        actor.role === 'auditor' && !hasReason(options.reason)
          ? 'an auditor must say why (reason, at least 10 characters) to read personal details'
          : 'personal details stay with the case’s own agency',
      );
    }
    if (showPersonal) {
      await this.personalDataLog.record(
        caseId,
        actor,
        options.reason ?? 'caseworker of the case’s own agency',
        'case view',
      );
    }
    return caseView(view, deadlines, meetings, { ...access, showPersonal }, this.clock().getTime());
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
    let scoped: CaseListFilter = filter;
    if (actor.role === 'caseworker') {
      if (filter.agency !== undefined && filter.agency !== actor.agency.id) {
        throw new NotPermitted('a caseworker lists only their own agency’s cases');
      }
      scoped = { ...filter, agency: actor.agency.id };
    } else if (actor.role === 'marac_coordinator') {
      scoped = { ...filter, referredToMarac: true };
    } else if (actor.role !== 'auditor') {
      throw new NotPermitted(`the ${actor.role} role does not list cases`);
    }
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
