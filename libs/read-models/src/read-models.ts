import type Redis from 'ioredis';
import { comparePositions, parsePosition, type Position } from '@app/event-store';
import { generationOf } from './engine/generations';
import { ReadModelKeys } from './engine/keys';
import {
  describeNotBuilt,
  notBuilt,
  READINESS_STRIDE,
  readinessKeys,
  type NotBuilt,
  type StoreHead,
} from './engine/readiness';
import { CASE_VIEW_PROJECTION } from './projections/case-view/case-view.projection';
import * as caseViewQueries from './projections/case-view/case-view.queries';
import type { CaseListFilter } from './projections/case-view/case-view.queries';
import { MARAC_PROJECTION, type MaracMeetingView } from './projections/marac/marac.projection';
import * as maracQueries from './projections/marac/marac.queries';
import { CHILDREN_REGISTER_PROJECTION } from './projections/children-register/children-register.projection';
import * as childrenRegisterQueries from './projections/children-register/children-register.queries';
import { PROBLEM_PROFILE_PROJECTION } from './projections/problem-profile/problem-profile.projection';
import * as problemProfileQueries from './projections/problem-profile/problem-profile.queries';
import type { QueueName } from './projections/queues/queues';
import * as queueQueries from './projections/queues/queues.queries';
import type { QueueScope } from './projections/queues/queues.queries';
import type { ReadModelReader } from './read-model-reader';

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

/**
 * The query side of the read models: reads whichever generation is active, so a rebuild's
 * switch is seen by the next query. Pure reads; access rules are the caller's. Every read first
 * checks that the projections it reads are built (`engine/readiness.ts`), else throws
 * `ReadModelNotBuilt`; `store` answers whether the event store has events when a checkpoint is
 * missing (without it, a missing checkpoint reads as an empty store).
 */
export class ReadModels {
  private readonly keys: ReadModelKeys;
  private readonly reader: ReadModelReader;
  /** The generation last seen active: read in the same MGET as the readiness keys, and checked. */
  private generationSeen = 1;

  constructor(
    private readonly redis: Redis,
    root: string,
    private readonly store?: StoreHead,
  ) {
    this.keys = new ReadModelKeys(root);
    this.reader = { redis, prefix: (projections) => this.prefix(projections) };
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
      return { prefix, checkpoints: values.filter((_, index) => index % READINESS_STRIDE === 0) };
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

  // Each read is its projection's query (`projections/<name>/<name>.queries.ts`), through `reader`.

  caseView(caseId: string) {
    return caseViewQueries.caseView(this.reader, caseId);
  }

  caseViews(caseIds: readonly string[]) {
    return caseViewQueries.caseViews(this.reader, caseIds);
  }

  laterCasesOf(caseId: string) {
    return caseViewQueries.laterCasesOf(this.reader, caseId);
  }

  listCases(filter: CaseListFilter, page: { readonly limit: number; readonly after?: number }) {
    return caseViewQueries.listCases(this.reader, filter, page);
  }

  erasureReviews(upTo: number, page: { readonly limit: number; readonly after?: { due: number; caseId: string } }) {
    return caseViewQueries.erasureReviews(this.reader, upTo, page);
  }

  meetingsOfCase(caseId: string) {
    return maracQueries.meetingsOfCase(this.reader, caseId);
  }

  async meeting(meetingId: string): Promise<MaracMeetingView | undefined> {
    return (await maracQueries.meetingsById(this.reader, [meetingId]))[0];
  }

  meetingsById(ids: readonly string[]) {
    return maracQueries.meetingsById(this.reader, ids);
  }

  meetingIdsOfArea(area: string) {
    return maracQueries.meetingIdsOfArea(this.reader, area);
  }

  queueCounts(scope: QueueScope, now: number) {
    return queueQueries.queueCounts(this.reader, scope, now);
  }

  overdueDeadlineCounts<Kind extends string>(kinds: readonly Kind[], agencies: readonly string[], now: number) {
    return queueQueries.overdueDeadlineCounts(this.reader, kinds, agencies, now);
  }

  queueItems(name: QueueName, scope: QueueScope, now: number, limit: number) {
    return queueQueries.queueItems(this.reader, name, scope, now, limit);
  }

  profileCounts(area: string | undefined, months: readonly string[]) {
    return problemProfileQueries.profileCounts(this.reader, area, months);
  }

  childrenRegisterCounts(area: string, cells: readonly string[]) {
    return childrenRegisterQueries.childrenRegisterCounts(this.reader, area, cells);
  }
}

export const READ_MODEL_PROJECTIONS = {
  caseView: CASE_VIEW_PROJECTION,
  marac: MARAC_PROJECTION,
  problemProfile: PROBLEM_PROFILE_PROJECTION,
  childrenRegister: CHILDREN_REGISTER_PROJECTION,
} as const;
