import { Inject, Injectable } from '@nestjs/common';
import {
  caseExportAccess,
  caseHistoryAccess,
  caseReadContext,
  type Actor,
  type CaseReadAccess,
} from '@app/case-domain';
import { metadataOf } from '@app/command-handling';
import { formatPosition } from '@app/event-store';
import { caseViewDeadlines, type CaseViewState } from '@app/read-models';
import { CLOCK, type Clock } from '../commands/command-context';
import { withErasureOf } from './case-as-of.query';
import { caseView } from './case-view';
import { PastStates, type ReadStream } from './past-states';
import { PersonalDataOpener, type OpenedCaseParts } from './personal-data-opener';
import { asJson, viewChanges, type ViewChange } from './view-changes';

/** One event of a case's life, as the replay and the disclosure export show it. */
export interface TimelineStep {
  readonly revision: string;
  readonly position: string;
  readonly type: string;
  readonly recordedAt: string;
  readonly businessDate: string | null;
  readonly actor: unknown;
  readonly correlationId: unknown;
  readonly causationId: unknown;
  readonly changes: ViewChange[];
}

export interface Timeline {
  readonly steps: TimelineStep[];
  /** Whether any step showed the person's details (the caller records that read). */
  readonly personalDataShown: boolean;
}

/**
 * Fields of the view left out of a step's changes: the revision changes with every event (the
 * step names it), and the MARAC meetings' part comes from the meetings' own streams, not the
 * case's (`GET /marac/meetings/:id/agenda?asOf=` shows a meeting as it stood), as do the later
 * cases naming this one (`laterCaseIds`: `GET /cases/:id?asOf=` shows those recorded by then).
 */
const NOT_STEPPED = new Set(['revision', 'maracMeetings', 'openMaracActions', 'laterCaseIds']);

/**
 * The case's life as a timeline: each event of its stream with who recorded it (user, role,
 * agency), when (the store's time), its business date, correlation and causation ids, and the
 * fields of the case view it changed, before and after. The views are the live view's own
 * (`PastStates`: the case-view projection folded from the store, rendered by `caseView`), through
 * the same redaction and opening. Who may read it is decided as for the history
 * (`caseHistoryAccess`). Records nothing: its callers record the read.
 */
@Injectable()
export class CaseTimeline {
  constructor(
    private readonly past: PastStates,
    private readonly opener: PersonalDataOpener,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** What the case's history (or its export) shows `actor`, by the case as it is now (NotPermitted if nothing). */
  access(
    actor: Actor,
    caseId: string,
    stream: ReadStream,
    reason: string | undefined,
    purpose: 'history' | 'export' = 'history',
  ): CaseReadAccess {
    const { current } = this.past.caseAt(caseId, stream, 0);
    const rule = purpose === 'export' ? caseExportAccess : caseHistoryAccess;
    return rule(actor, caseReadContext(current, [], this.clock()), reason);
  }

  /** The steps of events `from` (0-based) up to, not including, `to`. */
  async steps(
    caseId: string,
    stream: ReadStream,
    access: CaseReadAccess,
    range: { readonly from: number; readonly to: number },
  ): Promise<Timeline> {
    const { from, to } = range;
    const { view: start, current } = this.past.caseAt(caseId, stream, from);
    const projection = this.past.caseView;
    const showPersonal = access.personalDetails;
    let opened: { personal: CaseViewState['personal']; parts: OpenedCaseParts } | undefined;
    const render = async (view: CaseViewState, at: number) => {
      // A view's sealed parts change only with the events that set them: open each once.
      if (opened?.personal !== view.personal) {
        const parts = await this.opener.openCaseView(withErasureOf(view, current), access, showPersonal);
        opened = { personal: view.personal, parts };
      }
      const shown = caseView(view, caseViewDeadlines(projection, caseId, view), [], [], opened.parts, at);
      const rendered = asJson(Object.fromEntries(Object.entries(shown).filter(([field]) => !NOT_STEPPED.has(field))));
      return { rendered, personal: shown.personalDataShown };
    };

    const page = stream.recorded.slice(from, to);
    let view = start;
    let before =
      from === 0 || page.length === 0
        ? asJson({})
        : (await render(view, stream.recorded[from - 1]!.recordedAt.getTime())).rendered;
    let personalDataShown = false;
    const steps: TimelineStep[] = [];
    for (const [index, event] of page.entries()) {
      view = projection.evolve(view, stream.events[from + index]!);
      const after = await render(view, event.recordedAt.getTime());
      personalDataShown ||= after.personal;
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
    return { steps, personalDataShown };
  }
}
