import { CASE_STREAM_PREFIX, caseDecider, caseIdOfStream, type CaseEvent, type CaseState } from '@app/case-domain';
import { toDomainEvent } from '@app/command-handling';
import type { Position } from '@app/event-store';
import type { CaseStates } from './case-states';
import type { FencedCheckpoint } from './fenced-checkpoint';
import { SCHEDULED_STATES, type ReminderJob } from './reminder-jobs';
import { applyJobs, breather, jobsOf, type Scheduling } from './scheduling';

/** What a reconciliation found and did. */
export interface ReconcileResult {
  readonly cases: number;
  readonly openCases: number;
  readonly reminders: number;
  readonly added: number;
  readonly removed: number;
  readonly elapsedMs: number;
  /** Where the time went: reading and folding the store, deriving reminders, BullMQ, the per-case records. */
  readonly phasesMs: {
    readonly read: number;
    readonly derive: number;
    readonly jobs: number;
    readonly records: number;
  };
}

/**
 * Re-derives every case's reminders from the event store and makes BullMQ match: adds what is
 * missing (after Redis was emptied, every one), removes scheduled jobs no case needs (a deadline
 * policy that changed), rewrites the per-case records, and moves the checkpoint to the last case
 * event it read, handing the states it folded on to the subscription that follows from there. A
 * case with an event this code cannot read keeps its jobs and record as they are. Idempotent; run
 * by the lease's holder only (the checkpoint write is fenced).
 */
export async function reconcile(
  scheduling: Scheduling,
  checkpoint: FencedCheckpoint,
  states: CaseStates,
): Promise<ReconcileResult> {
  const { store, redis, queue, keys, log } = scheduling;
  const started = Date.now();
  const folded = new Map<string, { state: CaseState; revision: bigint }>();
  const unreadable = new Set<string>();
  let last: Position | undefined;
  for await (const event of store.readAll({ filter: { on: 'streamName', prefixes: [CASE_STREAM_PREFIX] } })) {
    last = event.position;
    const caseId = caseIdOfStream(event.stream)!;
    if (unreadable.has(caseId)) continue;
    try {
      const state = caseDecider.evolve(
        folded.get(caseId)?.state ?? caseDecider.initialState,
        toDomainEvent<CaseEvent>(event),
      );
      folded.set(caseId, { state, revision: event.revision });
    } catch (error) {
      unreadable.add(caseId);
      folded.delete(caseId);
      log(
        `reminders: cannot fold ${event.stream} at revision ${event.revision}, its jobs left as they are: ${(error as Error).message}`,
      );
    }
  }
  const read = Date.now();
  const now = scheduling.now();
  const desired = new Map<string, ReminderJob>();
  const byCase = new Map<string, string[]>();
  const breathe = breather();
  for (const [caseId, { state }] of folded) {
    await breathe();
    const jobs = jobsOf(scheduling, caseId, state, now);
    if (jobs.length === 0) continue;
    byCase.set(
      caseId,
      jobs.map((job) => job.opts.jobId),
    );
    for (const job of jobs) desired.set(job.opts.jobId, job);
  }
  const derived = Date.now();
  const unreadableJob = (id: string) => [...unreadable].some((caseId) => id.startsWith(`reminder-${caseId}-`));
  const existing = new Set(
    (await queue.getRanges(SCHEDULED_STATES, 0, -1)).filter((id) => id.startsWith('reminder-') && !unreadableJob(id)),
  );
  const add = [...desired.values()].filter((job) => !existing.has(job.opts.jobId));
  const remove = [...existing].filter((id) => !desired.has(id));
  await checkpoint.check();
  await applyJobs(scheduling, add, remove);
  const applied = Date.now();

  // Drop the records of cases that hold nothing now, then write the rest afresh.
  const caseOfKey = (key: string) => key.slice(keys.caseJobs('').length);
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.caseJobsPattern, 'COUNT', 1_000);
    cursor = next;
    const stale = found.filter((key) => !byCase.has(caseOfKey(key)) && !unreadable.has(caseOfKey(key)));
    if (stale.length > 0) await redis.del(...stale);
  } while (cursor !== '0');
  let write = redis.pipeline();
  for (const [caseId, ids] of byCase) {
    write.del(keys.caseJobs(caseId)).sadd(keys.caseJobs(caseId), ...ids);
    if (write.length >= 2_000) {
      await write.exec();
      write = redis.pipeline();
    }
  }
  await write.exec();
  await checkpoint.commit(last);
  for (const [caseId, { state, revision }] of folded) states.remember(caseId, state, revision);

  const result: ReconcileResult = {
    cases: folded.size + unreadable.size,
    openCases: byCase.size,
    reminders: desired.size,
    added: add.length,
    removed: remove.length,
    elapsedMs: Date.now() - started,
    phasesMs: { read: read - started, derive: derived - read, jobs: applied - derived, records: Date.now() - applied },
  };
  log(`reminders reconciled: ${JSON.stringify(result)}`);
  return result;
}
