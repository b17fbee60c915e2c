// Synthetic workload for read-model tests and benchmarks: no real person's data.
import {
  caseDecider,
  maracMeetingDecider,
  type Actor,
  type CaseCommand,
  type CaseEvent,
  type MaracMeetingCommand,
} from '../../libs/case-domain/src';
import { currentSchemaVersion } from '../../libs/case-domain/src';
import { stableSituation } from '../../libs/case-domain/src/testing/case-fixtures';
import type { EventData } from '../../libs/event-store/src';

export const workloadNow = new Date('2026-11-20T12:00:00Z');

export const police: Actor = {
  userId: 'user-police-1',
  role: 'caseworker',
  agency: { id: 'police', type: 'police', firstResponder: true, dutyToNotify: true },
};
export const coordinator: Actor = { ...police, userId: 'user-coord-1', role: 'marac_coordinator' };

/** A small deterministic random source, so a workload is the same every run. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const day = (base: string, offset: number) => {
  const date = new Date(`${base}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + offset);
  return date.toISOString().slice(0, 10);
};

export const caseIdOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * The commands of one synthetic case, along a path chosen by `rand`: adult or child, consent or
 * duty to notify, positive or negative decisions (with reconsideration), placements, missing
 * episodes, MARAC referral, exit and follow-ups; some stop part-way, as live cases do.
 */
export function caseCommands(n: number, rand: () => number): CaseCommand[] {
  const caseId = caseIdOf(n);
  const start = day('2025-01-01', Math.floor(rand() * 300));
  const child = rand() < 0.25;
  const commands: CaseCommand[] = [
    {
      type: 'IdentifyPotentialVictim',
      caseId,
      identifiedOn: start,
      location: 'Synthetic location',
      area: ['North', 'South', 'East'][n % 3]!,
      encounterContext: 'police_operation',
      indicators: ['withheld_documents'],
      exploitationTypes: rand() < 0.5 ? ['labour'] : ['sexual', 'criminal'],
      child,
      nationality: ['Testland', 'Examplia', 'Samplestan'][Math.floor(rand() * 3)]!,
      personal: { name: `Synthetic Person ${n}` },
    },
  ];
  const stop = rand();
  if (rand() < 0.7) commands.push({ type: 'AssignCase', caseworkerId: `cw-${n % 7}`, agency: 'police' });
  if (stop < 0.05) return commands;
  if (!child) {
    if (rand() < 0.15) {
      commands.push({
        type: 'RecordConsentDeclined',
        declinedOn: day(start, 1),
        language: 'en',
        interpreterUsed: false,
      });
      commands.push({ type: 'SubmitDutyToNotify', submittedOn: day(start, 2), reference: `DTN-${n}` });
      return commands;
    }
    commands.push({
      type: 'RecordConsentGiven',
      givenOn: day(start, 1),
      language: 'en',
      interpreterUsed: rand() < 0.3,
    });
  }
  commands.push({
    type: 'SubmitNrmReferral',
    submittedOn: day(start, 2),
    competentAuthority: 'single_competent_authority',
    reference: `NRM-${n}`,
  });
  if (rand() < 0.3)
    commands.push({ type: 'AssessRisk', level: 'high', assessedOn: day(start, 2), rationale: 'synthetic' });
  if (stop < 0.2) return commands;
  const rgOn = day(start, 3 + Math.floor(rand() * 20));
  const positive = rand() < 0.85;
  commands.push({
    type: 'RecordReasonableGroundsDecision',
    outcome: positive ? 'positive' : 'negative',
    decidedOn: rgOn,
  });
  if (!positive) {
    commands.push({ type: 'RequestReconsideration', decision: 'reasonable_grounds', requestedOn: day(rgOn, 1) });
    commands.push({
      type: 'RecordReconsiderationDecision',
      decision: 'reasonable_grounds',
      outcome: 'positive',
      decidedOn: day(rgOn, 10),
    });
  }
  if (rand() < 0.2) {
    commands.push({ type: 'ReportMissing', reportedOn: day(rgOn, 12) });
    if (rand() < 0.7) commands.push({ type: 'ReportFound', foundOn: day(rgOn, 13) });
  }
  if (stop < 0.35) return commands;
  if (rand() < 0.6) {
    commands.push({
      type: 'StartSafeHousePlacement',
      placementId: `p-${n}`,
      startedOn: day(rgOn, 14),
      provider: 'Synthetic provider',
      address: `${n} Synthetic Street`,
      emergencyOutsideNrm: false,
    });
  } else {
    commands.push({ type: 'StartOutreachSupport', startedOn: day(rgOn, 14), provider: 'Synthetic outreach' });
  }
  if (rand() < 0.2) commands.push({ type: 'ReferToMarac', referredOn: day(rgOn, 15), reason: 'synthetic' });
  if (stop < 0.5) return commands;
  const cgOn = day(rgOn, 46 + Math.floor(rand() * 30));
  commands.push({ type: 'RecordConclusiveGroundsDecision', outcome: 'positive', decidedOn: cgOn });
  commands.push({ type: 'StartMoveOnSupport', startedOn: day(cgOn, 1), provider: 'Synthetic move-on' });
  if (stop < 0.65) return commands;
  commands.push({ type: 'RecordExit', exitedOn: day(cgOn, 45), reason: 'support_completed' });
  const followUps = Math.floor(rand() * 4);
  for (let k = 0; k < followUps; k++) {
    commands.push({
      type: 'CompleteFollowUp',
      completedOn: day(cgOn, 75 + 60 * k),
      outcome: 'stable',
      situation: stableSituation,
    });
  }
  return commands;
}

/** An event ready to append, with the metadata the command handler would have written. */
function withMetadata(event: { type: string; data: unknown }, actor: Actor, command: string, now: Date): EventData {
  return {
    type: event.type,
    data: event.data,
    metadata: {
      actor: { userId: actor.userId, role: actor.role, agency: actor.agency.id },
      correlationId: 'synthetic',
      causationId: 'synthetic',
      recordedAt: now.toISOString(),
      schemaVersion: currentSchemaVersion(event.type),
      command,
    },
  };
}

/** The events of one case's commands, decided by the real domain rules (so they are valid). */
export function caseEvents(n: number, rand: () => number): EventData[] {
  return decidedCaseEvents(caseCommands(n, rand));
}

/** The events a police caseworker's commands on one case produce at `now`, decided by the real rules. */
export function decidedCaseEvents(commands: readonly CaseCommand[], now: Date = workloadNow): EventData[] {
  let state = caseDecider.initialState;
  const out: EventData[] = [];
  for (const command of commands) {
    const events: CaseEvent[] = caseDecider.decide(command, state, { actor: police, now });
    for (const event of events) {
      state = caseDecider.evolve(state, event);
      out.push(withMetadata(event, police, command.type, now));
    }
  }
  return out;
}

export const meetingIdOf = (n: number) => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;

/** A MARAC meeting listing some cases, with actions (some completed). */
export function meetingEvents(n: number, caseNumbers: readonly number[], rand: () => number): EventData[] {
  const week = (n % 20) * 14; // meetings every fortnight through 2026, all before `workloadNow`
  const commands: MaracMeetingCommand[] = [
    {
      type: 'ScheduleMaracMeeting',
      meetingId: meetingIdOf(n),
      area: ['North', 'South', 'East'][n % 3]!,
      meetsOn: day('2026-01-05', week),
      attendingAgencies: ['police', 'housing', 'health'],
    },
  ];
  for (const [k, caseNumber] of caseNumbers.entries()) {
    const caseId = caseIdOf(caseNumber);
    // Synthetic load: the listing rules are the domain specs' to test, so every listed case counts as referred.
    commands.push({ type: 'ListCaseAtMarac', caseId, listedCase: { referredToMarac: true } });
    commands.push({ type: 'RecordMaracDiscussion', caseId, riskLevel: 'high', decisions: ['synthetic decision'] });
    const actionId = `a-${n}-${k}`;
    const dueOn = day('2026-01-05', week + 7);
    commands.push({
      type: 'AgreeMaracAction',
      actionId,
      caseId,
      description: 'synthetic',
      ownerAgency: 'housing',
      dueOn,
    });
    if (rand() < 0.5)
      commands.push({ type: 'CompleteMaracAction', actionId, completedOn: day('2026-01-05', week + 3) });
  }
  let state = maracMeetingDecider.initialState;
  const out: EventData[] = [];
  for (const command of commands) {
    for (const event of maracMeetingDecider.decide(command, state, { actor: coordinator, now: workloadNow })) {
      state = maracMeetingDecider.evolve(state, event);
      out.push(withMetadata(event, coordinator, command.type, workloadNow));
    }
  }
  return out;
}

/**
 * Appends `cases` synthetic cases (and a meeting per 25 cases), interleaved as live work is:
 * `concurrent` cases in progress at a time, each advancing one event per turn.
 */
export async function appendWorkload(
  store: { append(stream: string, events: readonly EventData[]): Promise<unknown> },
  cases: number,
  { seed = 1, concurrent = 50, firstCase = 0 } = {},
): Promise<number> {
  const rand = random(seed);
  let appended = 0;
  const queue = Array.from({ length: cases }, (_, index) => firstCase + index);
  const active: { stream: string; events: EventData[] }[] = [];
  while (queue.length > 0 || active.length > 0) {
    while (active.length < concurrent && queue.length > 0) {
      const n = queue.shift()!;
      active.push({ stream: `case-${caseIdOf(n)}`, events: caseEvents(n, rand) });
      if (n % 25 === 24) {
        const listed = [n - 3, n - 2, n - 1].filter((k) => k >= firstCase);
        active.push({ stream: `marac-meeting-${meetingIdOf(n)}`, events: meetingEvents(n, listed, rand) });
      }
    }
    const turn = active.map(({ stream, events }) => store.append(stream, [events.shift()!]));
    appended += turn.length;
    await Promise.all(turn);
    for (let index = active.length - 1; index >= 0; index--)
      if (active[index]!.events.length === 0) active.splice(index, 1);
  }
  return appended;
}
