import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  caseDecider,
  maracMeetingDecider,
  type CaseCommand,
  type MaracMeetingCommand,
} from '../../../libs/case-domain/src';
import { SqliteEventStore, type EventData } from '../../../libs/event-store/src';
import { deadlineRules } from '../../../libs/read-models/src/deadline-rules';
import {
  ProjectionRunner,
  QUEUES,
  ReadModelKeys,
  ReadModels,
  readModelProjections,
  type QueueName,
} from '../../../libs/read-models/src';
import { stableSituation } from '../../../libs/case-domain/src/testing/case-fixtures';
import { coordinator, police, workloadNow } from '../../support/workload';

/** Each queue gains and loses a case exactly when the domain page says (deadlines at their defaults). */
describe('caseworker queues (embedded store, real Redis)', () => {
  jest.setTimeout(60_000);
  let dir: string;
  let store: SqliteEventStore;
  let redis: Redis;
  let runner: ProjectionRunner;
  let readModels: ReadModels;
  const caseId = randomUUID();
  let caseState = caseDecider.initialState;
  let meetingState = maracMeetingDecider.initialState;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marac-queues-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    redis = new Redis(process.env.TEST_REDIS_URL!);
    const root = `test-${randomUUID()}`;
    runner = new ProjectionRunner(store, redis, readModelProjections(deadlineRules()), {
      prefix: new ReadModelKeys(root).generation(1),
    });
    readModels = new ReadModels(redis, root);
    await runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await store.close();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const metadata = (type: string) => ({
    recordedAt: workloadNow.toISOString(),
    schemaVersion: type === 'PotentialVictimIdentified' ? 2 : 1,
  });
  async function append(stream: string, events: { type: string; data: unknown }[]) {
    const data: EventData[] = events.map((event) => ({ ...event, metadata: metadata(event.type) }));
    const { position } = await store.append(stream, data);
    await readModels.waitFor(position, ['case-view', 'marac'], 10_000);
  }
  async function onCase(command: CaseCommand) {
    const events = caseDecider.decide(command, caseState, { actor: police, now: workloadNow });
    for (const event of events) caseState = caseDecider.evolve(caseState, event);
    await append(`case-${caseId}`, events);
  }
  async function onMeeting(meetingId: string, command: MaracMeetingCommand) {
    const events = maracMeetingDecider.decide(command, meetingState, { actor: coordinator, now: workloadNow });
    for (const event of events) meetingState = maracMeetingDecider.evolve(meetingState, event);
    await append(`marac-meeting-${meetingId}`, events);
  }
  /** The queues the case is in, for the police, as it would be at `now`. */
  async function queuesAt(now: string, scope: 'agency' | 'assignee' = 'agency'): Promise<QueueName[]> {
    const id = scope === 'agency' ? 'police' : 'cw-1';
    const found: QueueName[] = [];
    for (const name of Object.keys(QUEUES) as QueueName[]) {
      const items = await readModels.queueItems(name, { scope, id }, Date.parse(now), 1_000);
      if (items.some((item) => item.member === caseId)) found.push(name);
    }
    return found;
  }

  it('follows one adult from identification to follow-ups', async () => {
    await onCase({
      type: 'IdentifyPotentialVictim',
      caseId,
      identifiedOn: '2026-03-02',
      location: 'Synthetic',
      encounterContext: 'police_operation',
      indicators: [],
      exploitationTypes: ['labour'],
      child: false,
      personal: { name: 'Synthetic Person Q' },
    });
    // Unassigned, it is the agency's single point of contact's too.
    expect(await queuesAt('2026-03-02T12:00:00Z')).toEqual([
      'awaiting-referral-decision',
      'awaiting-consent',
      'unassigned',
      'spoc',
    ]);

    await onCase({ type: 'AssignCase', caseworkerId: 'cw-1', agency: 'police' });
    expect(await queuesAt('2026-03-02T12:00:00Z')).toEqual(['awaiting-referral-decision', 'awaiting-consent']);
    expect(await queuesAt('2026-03-02T12:00:00Z', 'assignee')).toEqual([
      'awaiting-referral-decision',
      'awaiting-consent',
    ]);

    await onCase({ type: 'RecordConsentGiven', givenOn: '2026-03-03', language: 'en', interpreterUsed: false });
    expect(await queuesAt('2026-03-03T12:00:00Z')).toEqual(['awaiting-referral-decision']);

    // Referred on Wednesday 4 March: the RG decision is due Wednesday 11 March, 09:00.
    await onCase({
      type: 'SubmitNrmReferral',
      submittedOn: '2026-03-04',
      competentAuthority: 'single_competent_authority',
      reference: 'R1',
    });
    expect(await queuesAt('2026-03-11T08:59:00Z')).toEqual([]);
    expect(await queuesAt('2026-03-11T09:00:00Z')).toEqual(['reasonable-grounds-overdue']);

    // Positive RG on 16 March: recovery period ends 30 April; CG overdue after that; needs a placement meanwhile.
    await onCase({ type: 'RecordReasonableGroundsDecision', outcome: 'positive', decidedOn: '2026-03-16' });
    expect(await queuesAt('2026-03-20T12:00:00Z')).toEqual(['needs-placement']);
    expect(await queuesAt('2026-04-23T12:00:00Z')).toEqual(['recovery-period-ending', 'needs-placement']);
    expect(await queuesAt('2026-05-01T12:00:00Z')).toEqual(['needs-placement', 'conclusive-grounds-overdue']);

    await onCase({
      type: 'StartSafeHousePlacement',
      placementId: 'p1',
      startedOn: '2026-03-20',
      provider: 'Synthetic',
      address: '1 Synthetic Street',
      emergencyOutsideNrm: false,
    });
    expect(await queuesAt('2026-04-23T12:00:00Z')).toEqual(['recovery-period-ending']);

    await onCase({ type: 'ReportMissing', reportedOn: '2026-04-01' });
    expect(await queuesAt('2026-04-02T12:00:00Z')).toEqual(['reported-missing']);
    await onCase({ type: 'ReportFound', foundOn: '2026-04-02' });
    expect(await queuesAt('2026-04-02T12:00:00Z')).toEqual([]);

    // The CG decision settles the recovery period at once; move-on ends 45 days later (14 July).
    await onCase({ type: 'RecordConclusiveGroundsDecision', outcome: 'positive', decidedOn: '2026-05-30' });
    expect(await queuesAt('2026-05-01T12:00:00Z')).toEqual([]);
    expect(await queuesAt('2026-07-08T12:00:00Z')).toEqual(['move-on-ending']);

    await onCase({ type: 'EndSafeHousePlacement', endedOn: '2026-07-10', reason: 'moved_on' });
    await onCase({ type: 'RecordExit', exitedOn: '2026-07-14', reason: 'support_completed' });
    expect(await queuesAt('2026-07-15T12:00:00Z')).toEqual([]);
    // First follow-up 30 days after exit (13 August), in the queue from a week before.
    expect(await queuesAt('2026-08-06T12:00:00Z')).toEqual(['follow-up-due']);
    await onCase({
      type: 'CompleteFollowUp',
      completedOn: '2026-08-13',
      outcome: 'stable',
      situation: stableSituation,
    });
    expect(await queuesAt('2026-08-14T12:00:00Z')).toEqual([]);
  });

  it('a MARAC action is in its owner agency’s overdue queue after its due date, and leaves when completed', async () => {
    const meetingId = randomUUID();
    await onMeeting(meetingId, {
      type: 'ScheduleMaracMeeting',
      meetingId,
      area: 'North',
      meetsOn: '2026-06-10',
      attendingAgencies: ['police', 'housing'],
    });
    await onMeeting(meetingId, { type: 'ListCaseAtMarac', caseId, listedCase: { referredToMarac: true } });
    await onMeeting(meetingId, {
      type: 'AgreeMaracAction',
      actionId: 'a1',
      caseId,
      description: 'Housing',
      ownerAgency: 'housing',
      dueOn: '2026-06-20',
    });
    const overdue = (now: string) =>
      readModels.queueItems('marac-action-overdue', { scope: 'agency', id: 'housing' }, Date.parse(now), 100);
    expect(await overdue('2026-06-20T07:59:00Z')).toEqual([]);
    expect(await overdue('2026-06-20T08:00:00Z')).toEqual([
      { member: `${meetingId}/a1`, due: Date.parse('2026-06-20T08:00:00Z') },
    ]);
    await onMeeting(meetingId, { type: 'CompleteMaracAction', actionId: 'a1', completedOn: '2026-06-21' });
    expect(await overdue('2026-06-22T08:00:00Z')).toEqual([]);
  });
});
