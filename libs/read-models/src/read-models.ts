import type Redis from 'ioredis';
import { comparePositions, parsePosition, type Position } from '@app/event-store';
import { generationOf } from './engine/generations';
import { projectionKeys, ReadModelKeys } from './engine/keys';
import { describeNotBuilt, notBuilt, readinessKeys, type NotBuilt, type StoreHead } from './engine/readiness';
import {
  CASE_VIEW_PROJECTION,
  caseViewKeys,
  type CaseViewState,
  type ViewDeadline,
} from './projections/case-view.projection';
import { MARAC_PROJECTION, maracKeys, type MaracMeetingView } from './projections/marac.projection';
import { ALL_AREAS, PROBLEM_PROFILE_PROJECTION, profileKey } from './projections/problem-profile.projection';
import { QUEUES, queueKey, windowBounds, type QueueName } from './projections/queues';

/** The read model has not reached the position the client asked for, within the wait allowed. */
export class ReadModelBehind extends Error {
  override readonly name: string = 'ReadModelBehind';
}

/**
 * A read model the query needs is not built: it is being rebuilt from the start (see
 * `engine/readiness.ts`). Answered like `ReadModelBehind` (503 with Retry-After), never as an
 * empty answer.
 */
export class ReadModelNotBuilt extends ReadModelBehind {
  override readonly name: string = 'ReadModelNotBuilt';

  constructor(readonly notBuilt: NotBuilt) {
    super(describeNotBuilt(notBuilt));
  }
}

export interface CaseListFilter {
  readonly stage?: string;
  readonly agency?: string;
  readonly assignee?: string;
  readonly risk?: string;
  readonly child?: boolean;
  /** Only cases referred to the MARAC. */
  readonly referredToMarac?: boolean;
}

export interface QueueScope {
  readonly scope: 'agency' | 'assignee';
  readonly id: string;
}

// What each read reads: it must be built (the queues are filled by the case view and the MARAC meetings).
const CASE_VIEW = [CASE_VIEW_PROJECTION];
const MARAC = [MARAC_PROJECTION];
const PROFILE = [PROBLEM_PROFILE_PROJECTION];
const QUEUE_PROJECTIONS = [CASE_VIEW_PROJECTION, MARAC_PROJECTION];

/**
 * The query side of the read models: reads whichever generation is active, so a rebuild's
 * switch is seen by the next query. Pure reads; access rules are the caller's. Every read first
 * checks that the projections it reads are built (`engine/readiness.ts`), else throws
 * `ReadModelNotBuilt`; `store` answers whether the event store has events when a checkpoint is
 * missing (without it, a missing checkpoint reads as an empty store).
 */
export class ReadModels {
  private readonly keys: ReadModelKeys;
  /** The generation last seen active: read in the same MGET as the readiness keys, and checked. */
  private generationSeen = 1;

  constructor(
    private readonly redis: Redis,
    root: string,
    private readonly store?: StoreHead,
  ) {
    this.keys = new ReadModelKeys(root);
  }

  /**
   * The active generation's key prefix, once the projections named are built there (else
   * `ReadModelNotBuilt`), with their checkpoints. One MGET (the active generation with the
   * readiness keys of the one last seen active); a second only when a rebuild switched since.
   */
  private async generation(
    projections: readonly string[],
  ): Promise<{ prefix: string; checkpoints: (string | null)[] }> {
    for (;;) {
      const seen = this.generationSeen;
      const prefix = this.keys.generation(seen);
      const [active, ...values] = await this.redis.mget(this.keys.active, ...readinessKeys(prefix, projections));
      this.generationSeen = generationOf(active ?? null);
      if (this.generationSeen !== seen) continue;
      const [missing] = await notBuilt(projections, values, this.store);
      if (missing) throw new ReadModelNotBuilt(missing);
      return { prefix, checkpoints: values.filter((_, index) => index % 2 === 0) };
    }
  }

  private async prefix(projections: readonly string[]): Promise<string> {
    return (await this.generation(projections)).prefix;
  }

  /**
   * Waits until the projections named have applied every event up to `position` (read your
   * writes), polling their checkpoints; throws `ReadModelBehind` after `timeoutMs`, or
   * `ReadModelNotBuilt` if they were still being rebuilt from the start then.
   */
  async waitFor(position: Position, projections: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reached = await this.generation(projections).then(
        ({ checkpoints }) =>
          checkpoints.every((text) => {
            const checkpoint = text ? parsePosition(text) : undefined;
            return checkpoint !== undefined && comparePositions(checkpoint, position) >= 0;
          }),
        (error: unknown) => {
          // A replay from zero may finish within the wait: keep polling until the deadline.
          if (error instanceof ReadModelNotBuilt && Date.now() < deadline) return false;
          throw error;
        },
      );
      if (reached) return;
      if (Date.now() >= deadline) throw new ReadModelBehind(`the read models have not reached ${position.commit} yet`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async caseView(caseId: string): Promise<{ view: CaseViewState; deadlines: ViewDeadline[] } | undefined> {
    const prefix = await this.prefix(CASE_VIEW);
    const [state, deadlines] = await this.redis.mget(
      projectionKeys(prefix, CASE_VIEW_PROJECTION).state(caseId),
      `${prefix}:${caseViewKeys.deadlines(caseId)}`,
    );
    if (!state) return undefined;
    const view = JSON.parse(state) as CaseViewState;
    if (!view.domain.exists) return undefined;
    return { view, deadlines: deadlines ? (JSON.parse(deadlines) as ViewDeadline[]) : [] };
  }

  async caseViews(caseIds: readonly string[]): Promise<Map<string, CaseViewState>> {
    if (caseIds.length === 0) return new Map();
    const prefix = await this.prefix(CASE_VIEW);
    const keys = projectionKeys(prefix, CASE_VIEW_PROJECTION);
    const values = await this.redis.mget(...caseIds.map((id) => keys.state(id)));
    const views = new Map<string, CaseViewState>();
    values.forEach((json, index) => json && views.set(caseIds[index]!, JSON.parse(json) as CaseViewState));
    return views;
  }

  /** The MARAC meetings a case is listed at, oldest first. */
  async meetingsOfCase(caseId: string): Promise<MaracMeetingView[]> {
    const prefix = await this.prefix(MARAC);
    const ids = await this.redis.zrange(`${prefix}:${maracKeys.caseMeetings(caseId)}`, '0', '-1');
    return this.meetings(ids, prefix);
  }

  async meeting(meetingId: string): Promise<MaracMeetingView | undefined> {
    return (await this.meetingsById([meetingId]))[0];
  }

  /** Meetings by id, in one read; unknown ids are left out. */
  async meetingsById(ids: readonly string[]): Promise<MaracMeetingView[]> {
    return this.meetings(ids, await this.prefix(MARAC));
  }

  private async meetings(ids: readonly string[], prefix: string): Promise<MaracMeetingView[]> {
    if (ids.length === 0) return [];
    const keys = projectionKeys(prefix, MARAC_PROJECTION);
    const values = await this.redis.mget(...ids.map((id) => keys.state(id)));
    return values.flatMap((json) => (json ? [JSON.parse(json) as MaracMeetingView] : []));
  }

  /** The meetings of an area, by date: the one before a given meeting is its "last meeting". */
  async meetingIdsOfArea(area: string): Promise<string[]> {
    return this.redis.zrange(`${await this.prefix(MARAC)}:${maracKeys.areaMeetings(area)}`, '0', '-1');
  }

  /**
   * Cases matching every filter, in the order they were identified, `limit` at a time after the
   * `after` cursor (the last case of the previous page): stable while cases are added.
   */
  async listCases(
    filter: CaseListFilter,
    page: { readonly limit: number; readonly after?: number },
  ): Promise<{ caseIds: string[]; next?: number; total: number }> {
    const prefix = await this.prefix(CASE_VIEW);
    const keys = caseViewKeys;
    const sets = [
      filter.stage && keys.stage(filter.stage),
      filter.agency && keys.agency(filter.agency),
      filter.assignee && keys.assignee(filter.assignee),
      filter.risk && keys.risk(filter.risk),
      filter.child !== undefined && keys.child(filter.child),
      filter.referredToMarac && keys.marac,
    ].filter((key): key is string => typeof key === 'string');
    const from = page.after === undefined ? '-inf' : `(${page.after}`;
    let scored: string[];
    let total: number;
    if (sets.length <= 1) {
      const key = `${prefix}:${sets[0] ?? keys.all}`;
      [scored, total] = await Promise.all([
        this.redis.zrangebyscore(key, from, '+inf', 'WITHSCORES', 'LIMIT', 0, page.limit + 1),
        this.redis.zcard(key),
      ]);
    } else {
      // Intersect (Redis starts from the smallest set), keeping the identification order as the score.
      const all = await this.redis.call(
        'zinter',
        sets.length,
        ...sets.map((key) => `${prefix}:${key}`),
        'AGGREGATE',
        'MIN',
        'WITHSCORES',
      );
      const flat = all as string[];
      total = flat.length / 2;
      const start = page.after === undefined ? 0 : pairs(flat).findIndex(([, score]) => Number(score) > page.after!);
      scored = start < 0 ? [] : flat.slice(start * 2, (start + page.limit + 1) * 2);
    }
    const rows = pairs(scored);
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    return {
      caseIds: shown.map(([id]) => id),
      total,
      ...(more ? { next: Number(shown.at(-1)![1]) } : {}),
    };
  }

  async queueCounts(scope: QueueScope, now: number): Promise<Record<QueueName, number>> {
    const prefix = await this.prefix(QUEUE_PROJECTIONS);
    const names = Object.keys(QUEUES) as QueueName[];
    const pipeline = this.redis.pipeline();
    for (const name of names) {
      const queue = QUEUES[name];
      const [min, max] = windowBounds(queue.window, now);
      pipeline.zcount(`${prefix}:${queueKey(queue.source, scope.scope, scope.id)}`, min, max);
    }
    const results = (await pipeline.exec()) ?? [];
    return Object.fromEntries(names.map((name, index) => [name, Number(results[index]?.[1] ?? 0)])) as Record<
      QueueName,
      number
    >;
  }

  /**
   * Cases due for an erasure review on or before `upTo` (ms), earliest first, `limit` at a time
   * after the `after` cursor (a due time and case id, as the previous page's `next` gave).
   */
  async erasureReviews(
    upTo: number,
    page: { readonly limit: number; readonly after?: { due: number; caseId: string } },
  ): Promise<{ items: { caseId: string; due: number }[]; total: number }> {
    const key = `${await this.prefix(CASE_VIEW)}:${caseViewKeys.erasureReview}`;
    const [flat, total] = await Promise.all([
      this.redis.zrangebyscore(key, page.after ? page.after.due : '-inf', upTo, 'WITHSCORES'),
      this.redis.zcount(key, '-inf', upTo),
    ]);
    const after = page.after;
    const items = pairs(flat)
      .map(([caseId, score]) => ({ caseId, due: Number(score) }))
      .filter((item) => !after || item.due > after.due || (item.due === after.due && item.caseId > after.caseId));
    return { items: items.slice(0, page.limit + 1), total };
  }

  /** A queue's members (case ids, or `<meetingId>/<actionId>` for MARAC actions) with due times. */
  async queueItems(
    name: QueueName,
    scope: QueueScope,
    now: number,
    limit: number,
  ): Promise<{ member: string; due: number }[]> {
    const queue = QUEUES[name];
    const [min, max] = windowBounds(queue.window, now);
    const key = `${await this.prefix(QUEUE_PROJECTIONS)}:${queueKey(queue.source, scope.scope, scope.id)}`;
    const flat = await this.redis.zrangebyscore(key, min, max, 'WITHSCORES', 'LIMIT', 0, limit);
    return pairs(flat).map(([member, score]) => ({ member, due: Number(score) }));
  }

  /** Problem-profile counters per month (`YYYY-MM`) for an area, or every area. */
  async profileCounts(
    area: string | undefined,
    months: readonly string[],
  ): Promise<Map<string, Record<string, string>>> {
    const prefix = await this.prefix(PROFILE);
    const pipeline = this.redis.pipeline();
    for (const month of months) pipeline.hgetall(`${prefix}:${profileKey(area ?? ALL_AREAS, month)}`);
    const results = (await pipeline.exec()) ?? [];
    return new Map(months.map((month, index) => [month, (results[index]?.[1] ?? {}) as Record<string, string>]));
  }
}

function pairs(flat: readonly string[]): [string, string][] {
  const rows: [string, string][] = [];
  for (let index = 0; index + 1 < flat.length; index += 2) rows.push([flat[index]!, flat[index + 1]!]);
  return rows;
}

export const READ_MODEL_PROJECTIONS = {
  caseView: CASE_VIEW_PROJECTION,
  marac: MARAC_PROJECTION,
  problemProfile: PROBLEM_PROFILE_PROJECTION,
} as const;
