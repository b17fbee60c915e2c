import { projectionKeys } from '../../engine/keys';
import { withScores, type ReadModelReader } from '../../read-model-reader';
import { CASE_VIEW_PROJECTION, caseViewKeys, type CaseViewState, type ViewDeadline } from './case-view.projection';

/** The case list's filters: a case shows when it matches every one given. */
export interface CaseListFilter {
  readonly stage?: string;
  readonly agency?: string;
  readonly assignee?: string;
  readonly risk?: string;
  readonly child?: boolean;
  /** Only cases referred to the MARAC. */
  readonly referredToMarac?: boolean;
}

const READS = [CASE_VIEW_PROJECTION];

/** One case's view and deadlines, or undefined for a case never identified. */
export async function caseView(
  read: ReadModelReader,
  caseId: string,
): Promise<{ view: CaseViewState; deadlines: ViewDeadline[] } | undefined> {
  const prefix = await read.prefix(READS);
  const [state, deadlines] = await read.redis.mget(
    projectionKeys(prefix, CASE_VIEW_PROJECTION).state(caseId),
    `${prefix}:${caseViewKeys.deadlines(caseId)}`,
  );
  if (!state) return undefined;
  const view = JSON.parse(state) as CaseViewState;
  if (!view.domain.exists) return undefined;
  return { view, deadlines: deadlines ? (JSON.parse(deadlines) as ViewDeadline[]) : [] };
}

/**
 * The cases that name `caseId` as their earlier case (re-referrals), in the order they were
 * identified. A link is never removed: an identification is never undone.
 */
export async function laterCasesOf(read: ReadModelReader, caseId: string): Promise<string[]> {
  return read.redis.zrange(`${await read.prefix(READS)}:${caseViewKeys.laterCases(caseId)}`, '0', '-1');
}

/** The views of many cases in one read; unknown ids are left out. */
export async function caseViews(
  read: ReadModelReader,
  caseIds: readonly string[],
): Promise<Map<string, CaseViewState>> {
  if (caseIds.length === 0) return new Map();
  const prefix = await read.prefix(READS);
  const keys = projectionKeys(prefix, CASE_VIEW_PROJECTION);
  const values = await read.redis.mget(...caseIds.map((id) => keys.state(id)));
  const views = new Map<string, CaseViewState>();
  values.forEach((json, index) => json && views.set(caseIds[index]!, JSON.parse(json) as CaseViewState));
  return views;
}

/**
 * Cases matching every filter, in the order they were identified, `limit` at a time after the
 * `after` cursor (the last case of the previous page): stable while cases are added.
 */
export async function listCases(
  read: ReadModelReader,
  filter: CaseListFilter,
  page: { readonly limit: number; readonly after?: number },
): Promise<{ caseIds: string[]; next?: number; total: number }> {
  const prefix = await read.prefix(READS);
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
      read.redis.zrangebyscore(key, from, '+inf', 'WITHSCORES', 'LIMIT', 0, page.limit + 1),
      read.redis.zcard(key),
    ]);
  } else {
    // Intersect (Redis starts from the smallest set), keeping the identification order as the score.
    const all = await read.redis.call(
      'zinter',
      sets.length,
      ...sets.map((key) => `${prefix}:${key}`),
      'AGGREGATE',
      'MIN',
      'WITHSCORES',
    );
    const flat = all as string[];
    total = flat.length / 2;
    const start = page.after === undefined ? 0 : withScores(flat).findIndex(([, score]) => Number(score) > page.after!);
    scored = start < 0 ? [] : flat.slice(start * 2, (start + page.limit + 1) * 2);
  }
  const rows = withScores(scored);
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  return {
    caseIds: shown.map(([id]) => id),
    total,
    ...(more ? { next: Number(shown.at(-1)![1]) } : {}),
  };
}

/**
 * Cases due for an erasure review on or before `upTo` (ms), earliest first, `limit` at a time
 * after the `after` cursor (a due time and case id, as the previous page's `next` gave).
 */
export async function erasureReviews(
  read: ReadModelReader,
  upTo: number,
  page: { readonly limit: number; readonly after?: { due: number; caseId: string } },
): Promise<{ items: { caseId: string; due: number }[]; total: number }> {
  const key = `${await read.prefix(READS)}:${caseViewKeys.erasureReview}`;
  const [flat, total] = await Promise.all([
    read.redis.zrangebyscore(key, page.after ? page.after.due : '-inf', upTo, 'WITHSCORES'),
    read.redis.zcount(key, '-inf', upTo),
  ]);
  const after = page.after;
  const items = withScores(flat)
    .map(([caseId, score]) => ({ caseId, due: Number(score) }))
    .filter((item) => !after || item.due > after.due || (item.due === after.due && item.caseId > after.caseId));
  return { items: items.slice(0, page.limit + 1), total };
}
