import { Inject, NotFoundException } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ensureMayReadAgenda, type Actor } from '@app/case-domain';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import {
  READ_MODEL_PROJECTIONS,
  READ_MODELS,
  recordedBy,
  type MaracMeetingView,
  type ReadModels,
} from '@app/read-models';
import { agenda } from './marac.queries';
import { PastStates } from './past-states';
import { CaseReadLog } from './case-read-log';
import { PersonalDataOpener } from './personal-data-opener';
import { awaitPosition } from './read-your-writes';

export class GetMaracAgendaAsOf {
  constructor(
    readonly actor: Actor,
    readonly meetingId: string,
    readonly asOf: string,
    readonly minPosition?: string,
  ) {}
}

/**
 * `GET /marac/meetings/:id/agenda?asOf=`: the agenda as it stood at an instant (for a meeting as
 * it was held, an instant on its day): the meeting, the cases listed and each case's summary,
 * actions and changes, all folded from the event store up to the events recorded by then, by the
 * live read models' own projections (`PastStates`), and shown as the live agenda is (`agenda`).
 * Who may read it is decided as for the live agenda. Redis gives only which meetings exist in the
 * area and which list a case (indexes that only grow); their contents come from the store.
 */
@QueryHandler(GetMaracAgendaAsOf)
export class GetMaracAgendaAsOfHandler implements IQueryHandler<GetMaracAgendaAsOf> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly past: PastStates,
    private readonly opener: PersonalDataOpener,
    private readonly readLog: CaseReadLog,
  ) {}

  async execute({ actor, meetingId, asOf, minPosition }: GetMaracAgendaAsOf) {
    await awaitPosition(this.readModels, minPosition, [READ_MODEL_PROJECTIONS.marac], this.config.readWaitMs);
    const at = Date.parse(asOf);
    const stream = await this.past.meetingStream(meetingId);
    const now = this.past.meetingAt(stream);
    if (!now) throw new NotFoundException(`There is no MARAC meeting ${meetingId}`);
    ensureMayReadAgenda(actor, now);
    const then = this.past.meetingAt(stream, { at });
    if (!then)
      throw new NotFoundException(`There was no MARAC meeting ${meetingId} yet at ${new Date(at).toISOString()}`);

    // The area's previous meeting as of then: the latest one before this by date that existed then.
    const areaMeetings = await this.readModels.meetingIdsOfArea(then.area);
    let previous: MaracMeetingView | undefined;
    for (let index = areaMeetings.indexOf(meetingId) - 1; index >= 0 && !previous; index--) {
      previous = this.past.meetingAt(await this.past.meetingStream(areaMeetings[index]!), { at });
    }

    const caseIds = then.listed.map((listing) => listing.caseId);
    this.readLog.record(caseIds, actor, `GET /marac/meetings/${meetingId}/agenda?asOf=`);
    const cases = await Promise.all(
      caseIds.map(async (caseId) => {
        const [caseStream, meetingStreams] = await Promise.all([
          this.past.caseStream(caseId),
          this.past.meetingStreamsOfCase(caseId),
        ]);
        const count = recordedBy(caseStream.recorded, at);
        const { view, current } = this.past.caseAt(caseId, caseStream, count);
        return {
          caseId,
          view: count > 0 ? view : undefined,
          erased: current.personalDataErased !== undefined,
          meetings: this.past.meetingsListing(caseId, meetingStreams, { at }),
        };
      }),
    );
    const erased = (caseId: string) => cases.find((entry) => entry.caseId === caseId)?.erased ?? false;
    const [meeting] = await this.opener.openMeetings([then], erased);
    const opened = await Promise.all(
      cases.map(async (entry) => ({
        caseId: entry.caseId,
        view: entry.view,
        meetings: await this.opener.openMeetings(entry.meetings, erased, entry.caseId),
      })),
    );
    return { ...agenda(meeting!, previous, opened, at), asOf: new Date(at).toISOString() };
  }
}
