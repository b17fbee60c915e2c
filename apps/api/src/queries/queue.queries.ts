import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { mayReadQueue, NotPermitted, owningAgencyOf, type Actor, type Agency } from '@app/case-domain';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import {
  QUEUES,
  READ_MODEL_PROJECTIONS,
  type CaseViewState,
  type MaracAction,
  type QueueName,
  type QueueScope,
  type ReadModels,
  READ_MODELS,
} from '@app/read-models';
import { AGENCIES } from '../auth/auth.guard';
import { CLOCK, type Clock } from '../commands/command-context';
import { caseSummary } from './case-view';
import { awaitPosition } from './read-your-writes';
import { PersonalDataOpener } from './personal-data-opener';

export interface QueueRequest {
  readonly actor: Actor;
  /** `agency` (the caller's agency, the default) or `mine` (cases assigned to the caller). */
  readonly scope: 'agency' | 'mine';
  /** Another agency's queues: for the coordinator and auditors. */
  readonly agency?: string;
  readonly minPosition?: string;
}

/** The queues this request may read (the domain's `mayReadQueue`): 403 when none. */
function readableQueues({ actor, agency }: QueueRequest, asked: readonly QueueName[]): QueueName[] {
  const readable = asked.filter((name) => mayReadQueue(actor, name, agency));
  if (readable.length === 0) {
    throw new NotPermitted(
      agency !== undefined && agency !== actor.agency.id
        ? `the ${actor.role} role may not read ${agency}’s queues${asked.length === 1 ? ` (${asked[0]})` : ''}`
        : `the ${actor.role} role may not read ${asked.length === 1 ? `the ${asked[0]} queue` : 'these queues'}`,
    );
  }
  return readable;
}

function scopeOf({ actor, scope, agency }: QueueRequest): QueueScope {
  if (agency !== undefined && agency !== actor.agency.id) return { scope: 'agency', id: agency };
  return scope === 'mine' ? { scope: 'assignee', id: actor.userId } : { scope: 'agency', id: actor.agency.id };
}

export class GetQueues {
  constructor(readonly request: QueueRequest) {}
}

@QueryHandler(GetQueues)
export class GetQueuesHandler implements IQueryHandler<GetQueues> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ request }: GetQueues) {
    const projections = [READ_MODEL_PROJECTIONS.caseView, READ_MODEL_PROJECTIONS.marac];
    await awaitPosition(this.readModels, request.minPosition, projections, this.config.readWaitMs);
    const names = readableQueues(request, Object.keys(QUEUES) as QueueName[]);
    const scope = scopeOf(request);
    const counts = await this.readModels.queueCounts(scope, this.clock().getTime());
    return {
      scope: scope.scope === 'agency' ? { agency: scope.id } : { assignee: scope.id },
      queues: names.map((name) => ({
        name,
        description: QUEUES[name].description,
        count: counts[name],
      })),
    };
  }
}

export class GetQueue {
  constructor(
    readonly name: QueueName,
    readonly request: QueueRequest,
    readonly limit: number,
  ) {}
}

const RISK_RANK: Record<string, number> = { high: 3, medium: 2, standard: 1 };

/** Higher first: a child, then the higher risk level, then someone missing. */
function priorityOf(view: CaseViewState | undefined): number {
  if (!view) return 0;
  return (
    (view.domain.child ? 100 : 0) +
    (RISK_RANK[view.domain.riskLevel ?? ''] ?? 0) * 10 +
    (view.domain.missingSince ? 1 : 0)
  );
}

/** `GET /queues/:name`: the items, by due date, then priority. */
@QueryHandler(GetQueue)
export class GetQueueHandler implements IQueryHandler<GetQueue> {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly opener: PersonalDataOpener,
    @Inject(AGENCIES) private readonly agencies: ReadonlyMap<string, Agency>,
  ) {}

  async execute({ name, request, limit }: GetQueue) {
    const projections = [READ_MODEL_PROJECTIONS.caseView, READ_MODEL_PROJECTIONS.marac];
    readableQueues(request, [name]);
    await awaitPosition(this.readModels, request.minPosition, projections, this.config.readWaitMs);
    const scope = scopeOf(request);
    const now = this.clock().getTime();
    const items = await this.readModels.queueItems(name, scope, now, limit);
    const isAction = QUEUES[name].source === 'marac_action';
    const sealed = isAction ? await this.actionsOf(items.map((item) => item.member)) : new Map<string, ActionItem>();
    const caseIds = items.map((item) => (isAction ? (sealed.get(item.member)?.caseId ?? '') : item.member));
    const views = await this.readModels.caseViews(caseIds.filter(Boolean));
    // Each action's description opened for this reader, or shown as erased once its case records an erasure.
    const actions = new Map(
      await Promise.all(
        [...sealed].map(async ([member, { meetingId, ...action }]) => {
          const erased = views.get(action.caseId)?.domain.personalDataErased !== undefined;
          return [member, { meetingId, ...(await this.opener.openAction(meetingId, action, erased)) }] as const;
        }),
      ),
    );
    const between = BETWEEN_AGENCIES.has(QUEUES[name].source) && scope.scope === 'agency';
    const rows = items.map((item, index) => {
      const view = views.get(caseIds[index]!);
      return {
        due: new Date(item.due).toISOString(),
        overdue: item.due <= now,
        priority: priorityOf(view),
        ...(isAction ? { action: actions.get(item.member) ?? null } : {}),
        ...(between && view ? betweenAgencies(view, scope.id) : {}),
        case: view ? caseSummary(view) : { caseId: caseIds[index] },
      };
    });
    rows.sort((a, b) => a.due.localeCompare(b.due) || b.priority - a.priority);
    return {
      name,
      description: QUEUES[name].description,
      scope: scope.scope === 'agency' ? { agency: scope.id } : { assignee: scope.id },
      ...(QUEUES[name].source === 'spoc' && scope.scope === 'agency'
        ? { spoc: this.agencies.get(scope.id)?.spoc ?? null }
        : {}),
      items: rows,
    };
  }

  private async actionsOf(members: readonly string[]): Promise<Map<string, ActionItem>> {
    const ids = members.map((member) => member.split('/') as [string, string]);
    const meetings = await this.readModels.meetingsById([...new Set(ids.map(([meetingId]) => meetingId))]);
    const byId = new Map(meetings.map((meeting) => [meeting.meetingId, meeting]));
    const found = new Map<string, ActionItem>();
    ids.forEach(([meetingId, actionId], index) => {
      const action = byId.get(meetingId)?.actions[actionId];
      if (action) found.set(members[index]!, { meetingId, ...action });
    });
    return found;
  }
}

/** The queues of what passes between agencies: their items say which share or transfer. */
const BETWEEN_AGENCIES: ReadonlySet<string> = new Set([
  'share_awaiting_response',
  'transfer_awaiting_response',
  'shared_with_agency',
  'spoc',
]);

/**
 * What a case has for `agency` from another: the shares offered to it or accepted by it, and a
 * transfer asked of it (terms only: purpose, legal basis, scope, dates; no personal data).
 */
function betweenAgencies(view: CaseViewState, agency: string) {
  const { domain } = view;
  const shares = (domain.shares ?? []).filter(
    (share) => share.agency === agency && (share.status === 'awaiting_response' || share.status === 'accepted'),
  );
  const transfer = domain.pendingTransfer?.toAgency === agency ? domain.pendingTransfer : null;
  return { fromAgency: owningAgencyOf(domain) ?? null, shares, transfer };
}

/** An action in a queue: where it was agreed, and its description (sealed until opened for the reader). */
interface ActionItem extends MaracAction {
  readonly meetingId: string;
}
