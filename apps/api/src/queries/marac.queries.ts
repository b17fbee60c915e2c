import { Inject, NotFoundException } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ensureMayReadAgenda, type Actor } from '@app/case-domain';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import {
  READ_MODEL_PROJECTIONS,
  READ_MODELS,
  type CaseViewState,
  type MaracMeetingView,
  type ReadModels,
} from '@app/read-models';
import { CLOCK, type Clock } from '../commands/command-context';
import { changesSinceLastMeeting } from './agenda-changes';
import { caseSummary, openActionsOf } from './case-view';
import { CaseReadLog } from './case-read-log';
import { PersonalDataOpener } from './personal-data-opener';
import { awaitPosition } from './read-your-writes';

export class GetMaracAgenda {
  constructor(
    readonly actor: Actor,
    readonly meetingId: string,
    readonly minPosition?: string,
  ) {}
}

/**
 * `GET /marac/meetings/:id/agenda`: the cases listed, each with its current summary, risk level,
 * open and overdue actions, and what changed since the area's previous meeting (by business date;
 * entries recorded late apart). For the coordinator, auditors, and panel members and caseworkers
 * of the agencies attending.
 */
@QueryHandler(GetMaracAgenda)
export class GetMaracAgendaHandler implements IQueryHandler<GetMaracAgenda> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly opener: PersonalDataOpener,
    private readonly readLog: CaseReadLog,
  ) {}

  async execute({ actor, meetingId, minPosition }: GetMaracAgenda) {
    const projections = [READ_MODEL_PROJECTIONS.caseView, READ_MODEL_PROJECTIONS.marac];
    await awaitPosition(this.readModels, minPosition, projections, this.config.readWaitMs);
    const found = await this.readModels.meeting(meetingId);
    if (!found) throw new NotFoundException(`There is no MARAC meeting ${meetingId}`);
    ensureMayReadAgenda(actor, found);

    const areaMeetings = await this.readModels.meetingIdsOfArea(found.area);
    const previousId = areaMeetings[areaMeetings.indexOf(meetingId) - 1];
    const previous = previousId ? await this.readModels.meeting(previousId) : undefined;
    const caseIds = found.listed.map((listing) => listing.caseId);
    // Each case listed is read: its access log says through which meeting's agenda.
    this.readLog.record(caseIds, actor, `GET /marac/meetings/${meetingId}/agenda`);
    const [views, meetingsOfCases] = await Promise.all([
      this.readModels.caseViews(caseIds),
      Promise.all(caseIds.map((caseId) => this.readModels.meetingsOfCase(caseId))),
    ]);
    const erased = (caseId: string) => views.get(caseId)?.domain.personalDataErased !== undefined;
    const [meeting] = await this.opener.openMeetings([found], erased);
    const meetingsByCase = await Promise.all(
      caseIds.map((caseId, index) => this.opener.openMeetings(meetingsOfCases[index]!, erased, caseId)),
    );
    if (!meeting) throw new NotFoundException(`There is no MARAC meeting ${meetingId}`);
    return agenda(
      meeting,
      previous,
      caseIds.map((caseId, index) => ({ caseId, view: views.get(caseId), meetings: meetingsByCase[index]! })),
      this.clock().getTime(),
    );
  }
}

/**
 * An agenda as it is shown: the meeting (its text opened), the area's previous meeting, and each
 * case listed with its summary, what was discussed here, its open and overdue actions (judged at
 * `now`) from every meeting listing it (`meetings`, their text about it opened), and what changed
 * since the previous meeting by business date, with what was recorded late apart (`changesSinceLastMeeting`).
 */
export function agenda(
  meeting: MaracMeetingView,
  previous: MaracMeetingView | undefined,
  cases: readonly { caseId: string; view?: CaseViewState; meetings: readonly MaracMeetingView[] }[],
  now: number,
) {
  return {
    meetingId: meeting.meetingId,
    area: meeting.area,
    meetsOn: meeting.meetsOn,
    attendingAgencies: meeting.attendingAgencies,
    closedOn: meeting.closedOn ?? null,
    previousMeeting: previous ? { meetingId: previous.meetingId, meetsOn: previous.meetsOn } : null,
    cases: cases.map(({ caseId, view, meetings }) => {
      const actions = openActionsOf(caseId, meetings, now);
      const discussion = meeting.discussions.filter((d) => d.caseId === caseId).at(-1);
      return {
        ...(view ? caseSummary(view) : { caseId }),
        discussedHere: discussion ? { riskLevel: discussion.riskLevel, decisions: discussion.decisions } : null,
        openActions: actions,
        overdueActions: actions.filter((action) => action.overdue),
        ...changesSinceLastMeeting(view?.changes ?? [], previous?.meetsOn),
      };
    }),
  };
}
