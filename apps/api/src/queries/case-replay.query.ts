import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CaseNotFound, caseReadAccess, caseReadContext, NotPermitted, type Actor } from '@app/case-domain';
import { metadataOf } from '@app/command-handling';
import { formatPosition } from '@app/event-store';
import { caseViewDeadlines, type CaseViewState } from '@app/read-models';
import { withErasureOf } from './case-as-of.query';
import { HISTORY_PAGE, type CaseHistoryQueryDto } from './case-history.query';
import { caseView } from './case-view';
import { PastStates } from './past-states';
import { CaseReadLog } from './case-read-log';
import { PersonalDataOpener, type OpenedCaseParts } from './personal-data-opener';
import { PersonalDataReads } from './personal-data-reads';
import { asJson, viewChanges, type ViewChange } from './view-changes';

/** `GET /cases/:id/replay?reason=&limit=&after=`: paged as the history is (`after` = the previous page's `next`). */
export class GetCaseReplay {
  constructor(
    readonly actor: Actor,
    readonly caseId: string,
    readonly query: CaseHistoryQueryDto,
  ) {}
}

/**
 * Fields of the view left out of a step's changes: the revision changes with every event (the
 * step names it), and the MARAC meetings' part comes from the meetings' own streams, not the
 * case's (`GET /marac/meetings/:id/agenda?asOf=` shows a meeting as it stood).
 */
const NOT_STEPPED = new Set(['revision', 'maracMeetings', 'openMaracActions']);

/**
 * The case's life as a timeline: each event of its stream with who recorded it (user, role,
 * agency), when (the store's time), its business date, correlation and causation ids, and the
 * fields of the case view it changed, before and after. The views are the live view's own
 * (`PastStates`: the case-view projection folded from the store, rendered by `caseView`), through
 * the same redaction and opening; access as for the history (auditors, the case's own agency), and
 * a page that showed personal details is recorded as a personal-data read.
 */
@QueryHandler(GetCaseReplay)
export class GetCaseReplayHandler implements IQueryHandler<GetCaseReplay> {
  constructor(
    private readonly past: PastStates,
    private readonly personalDataLog: PersonalDataReads,
    private readonly opener: PersonalDataOpener,
    private readonly readLog: CaseReadLog,
  ) {}

  async execute({ actor, caseId, query }: GetCaseReplay) {
    const stream = await this.past.caseStream(caseId);
    if (stream.recorded.length === 0) throw new CaseNotFound(`There is no case ${caseId}`);
    const limit = query.limit ?? HISTORY_PAGE.default;
    const from = query.after === undefined ? 0 : query.after + 1;
    const { view: start, current } = this.past.caseAt(caseId, stream, from);
    // As the history: the case as it is now decides who reads its past, and no MARAC listing opens it.
    const access = caseReadAccess(actor, caseReadContext(current, []), query.reason);
    if (!access.history) throw new NotPermitted('only auditors and the case’s own agency read its replay');

    const projection = this.past.caseView;
    const showPersonal = access.personalDetails;
    let opened: { personal: CaseViewState['personal']; parts: OpenedCaseParts } | undefined;
    const render = async (view: CaseViewState, at: number) => {
      // A view's sealed parts change only with the events that set them: open each once.
      if (opened?.personal !== view.personal) {
        const parts = await this.opener.openCaseView(withErasureOf(view, current), access, showPersonal);
        opened = { personal: view.personal, parts };
      }
      const shown = caseView(view, caseViewDeadlines(projection, caseId, view), [], opened.parts, at);
      const rendered = asJson(Object.fromEntries(Object.entries(shown).filter(([field]) => !NOT_STEPPED.has(field))));
      return { rendered, personal: shown.personalDataShown };
    };

    const page = stream.recorded.slice(from, from + limit);
    let view = start;
    let before =
      from === 0 || page.length === 0
        ? asJson({})
        : (await render(view, stream.recorded[from - 1]!.recordedAt.getTime())).rendered;
    let personalShown = false;
    const steps: {
      revision: string;
      position: string;
      type: string;
      recordedAt: string;
      businessDate: string | null;
      actor: unknown;
      correlationId: unknown;
      causationId: unknown;
      changes: ViewChange[];
    }[] = [];
    for (const [index, event] of page.entries()) {
      const projected = stream.events[from + index]!;
      view = projection.evolve(view, projected);
      const after = await render(view, event.recordedAt.getTime());
      personalShown ||= after.personal;
      const metadata = metadataOf(event);
      steps.push({
        revision: event.revision.toString(),
        position: formatPosition(event.position),
        type: event.type,
        recordedAt: event.recordedAt.toISOString(),
        // The date the view's change log gives the event (its business date), as the agenda shows it.
        businessDate: event.type === 'ReminderRaised' ? null : (view.changes.at(-1)?.on ?? null),
        actor: metadata?.actor ?? null,
        correlationId: metadata?.correlationId ?? null,
        causationId: metadata?.causationId ?? null,
        changes: viewChanges(before, after.rendered),
      });
      before = after.rendered;
    }
    this.readLog.record([caseId], actor, 'GET /cases/{caseId}/replay', query.reason);
    if (personalShown) {
      await this.personalDataLog.record(
        caseId,
        actor,
        query.reason ?? 'caseworker of the case’s own agency',
        'case replay',
      );
    }
    const more = from + limit < stream.recorded.length;
    return {
      caseId,
      personalDataShown: personalShown,
      events: steps,
      next: more ? page.at(-1)!.revision.toString() : null,
    };
  }
}
