import {
  caseDecider,
  caseIdOfStream,
  maracMeetingDecider,
  meetingIdOfStream,
  type CaseEvent,
  type CaseState,
  type MaracMeetingEvent,
  type MaracMeetingState,
} from '@app/case-domain';
import { toDomainEvent, type DomainEvent } from '@app/command-handling';
import type { Position, RecordedEvent } from '@app/event-store';
import type { CaseStates } from './case-states';
import type { FencedCheckpoint } from './fenced-checkpoint';
import {
  caseJobPrefix,
  meetingJobPrefix,
  REMINDER_JOB_PREFIXES,
  REMINDER_STREAMS,
  SCHEDULED_STATES,
  type ReminderJob,
} from './reminder-jobs';
import { applyJobs, breather, jobsOf, meetingJobsOf, type Scheduling } from './scheduling';

/** What a reconciliation found and did. */
export interface ReconcileResult {
  readonly cases: number;
  readonly openCases: number;
  /** MARAC meetings, and those with an open action's reminder to come. */
  readonly meetings: number;
  readonly openMeetings: number;
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

/** The states of one kind of stream, folded event by event; a stream that cannot be read is set aside. */
class Folding<Event extends DomainEvent, State> {
  readonly folded = new Map<string, { state: State; revision: bigint }>();
  readonly unreadable = new Set<string>();
  constructor(
    private readonly decider: { evolve(state: State, event: Event): State; readonly initialState: State },
    private readonly log: (message: string) => void,
  ) {}

  get size(): number {
    return this.folded.size + this.unreadable.size;
  }

  add(id: string, event: RecordedEvent): void {
    if (this.unreadable.has(id)) return;
    try {
      const state = this.decider.evolve(
        this.folded.get(id)?.state ?? this.decider.initialState,
        toDomainEvent<Event>(event),
      );
      this.folded.set(id, { state, revision: event.revision });
    } catch (error) {
      this.unreadable.add(id);
      this.folded.delete(id);
      this.log(
        `reminders: cannot fold ${event.stream} at revision ${event.revision}, its jobs left as they are: ${(error as Error).message}`,
      );
    }
  }
}

/**
 * Re-derives every case's reminders, and every MARAC meeting's open actions', from the event store
 * and makes BullMQ match: adds what is missing (after Redis was emptied, every one), removes
 * scheduled jobs nothing needs (a deadline policy that changed), rewrites the per-case and
 * per-meeting records, and moves the checkpoint to the last case or meeting event it read,
 * handing the case states it folded on to the subscription that follows from there. A stream
 * with an event this code cannot read keeps its jobs and record as they are. Idempotent; run by
 * the lease's holder only (the checkpoint write is fenced).
 */
export async function reconcile(
  scheduling: Scheduling,
  checkpoint: FencedCheckpoint,
  states: CaseStates,
): Promise<ReconcileResult> {
  const { store, redis, queue, keys, log } = scheduling;
  const started = Date.now();
  const cases = new Folding<CaseEvent, CaseState>(caseDecider, log);
  const meetings = new Folding<MaracMeetingEvent, MaracMeetingState>(maracMeetingDecider, log);
  let last: Position | undefined;
  for await (const event of store.readAll({ filter: REMINDER_STREAMS })) {
    last = event.position;
    const meetingId = meetingIdOfStream(event.stream);
    if (meetingId !== undefined) meetings.add(meetingId, event);
    else cases.add(caseIdOfStream(event.stream)!, event);
  }
  const read = Date.now();
  const now = scheduling.now();
  const desired = new Map<string, ReminderJob>();
  /** The job ids each case or meeting holds, by its record's key. */
  const records = new Map<string, string[]>();
  const hold = (record: string, jobs: readonly ReminderJob[]) => {
    if (jobs.length === 0) return;
    records.set(
      record,
      jobs.map((job) => job.opts.jobId),
    );
    for (const job of jobs) desired.set(job.opts.jobId, job);
  };
  const breathe = breather();
  for (const [caseId, { state }] of cases.folded) {
    await breathe();
    hold(keys.caseJobs(caseId), jobsOf(scheduling, caseId, state, now));
  }
  const openCases = records.size;
  for (const [meetingId, { state }] of meetings.folded) {
    await breathe();
    hold(keys.meetingJobs(meetingId), meetingJobsOf(scheduling, meetingId, state, now));
  }
  const derived = Date.now();
  // What a stream that could not be read holds is left as it is.
  const leftAlone = [
    ...[...cases.unreadable].map((id) => [keys.caseJobs(id), caseJobPrefix(id)] as const),
    ...[...meetings.unreadable].map((id) => [keys.meetingJobs(id), meetingJobPrefix(id)] as const),
  ];
  const leftAloneRecords = new Set(leftAlone.map(([record]) => record));
  const ours = (id: string) =>
    REMINDER_JOB_PREFIXES.some((prefix) => id.startsWith(prefix)) &&
    !leftAlone.some(([, prefix]) => id.startsWith(prefix));
  const existing = new Set((await queue.getRanges(SCHEDULED_STATES, 0, -1)).filter(ours));
  const add = [...desired.values()].filter((job) => !existing.has(job.opts.jobId));
  const remove = [...existing].filter((id) => !desired.has(id));
  await checkpoint.check();
  await applyJobs(scheduling, add, remove);
  const applied = Date.now();

  // Drop the records of cases and meetings that hold nothing now, then write the rest afresh.
  for (const pattern of [keys.caseJobsPattern, keys.meetingJobsPattern]) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      cursor = next;
      const stale = found.filter((key) => !records.has(key) && !leftAloneRecords.has(key));
      if (stale.length > 0) await redis.del(...stale);
    } while (cursor !== '0');
  }
  let write = redis.pipeline();
  for (const [record, ids] of records) {
    write.del(record).sadd(record, ...ids);
    if (write.length >= 2_000) {
      await write.exec();
      write = redis.pipeline();
    }
  }
  await write.exec();
  await checkpoint.commit(last);
  for (const [caseId, { state, revision }] of cases.folded) states.remember(caseId, state, revision);

  const result: ReconcileResult = {
    cases: cases.size,
    openCases,
    meetings: meetings.size,
    openMeetings: records.size - openCases,
    reminders: desired.size,
    added: add.length,
    removed: remove.length,
    elapsedMs: Date.now() - started,
    phasesMs: { read: read - started, derive: derived - read, jobs: applied - derived, records: Date.now() - applied },
  };
  log(`reminders reconciled: ${JSON.stringify(result)}`);
  return result;
}
