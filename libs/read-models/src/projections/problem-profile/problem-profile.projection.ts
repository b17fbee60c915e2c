import {
  caseIdOfStream,
  FOLLOW_UP_SITUATION_FIELDS,
  type CaseEvent,
  type FollowUpSituation,
  type LocalDate,
} from '@app/case-domain';
import type { ProjectedEvent, Projection, ReadModelOutputs } from '../../engine/projection';

/** What the problem profile counts about one case: facts of the pathway, never personal data. */
export interface ProfileCase {
  readonly area: string;
  readonly identified?: {
    readonly on: LocalDate;
    readonly child: boolean;
    readonly exploitationTypes: readonly string[];
    readonly nationality: string;
    readonly reReferral: boolean;
  };
  readonly referrals: readonly { readonly on: LocalDate; readonly firstResponder: string }[];
  readonly dutiesToNotify: readonly LocalDate[];
  readonly decisions: readonly {
    readonly kind: string;
    readonly outcome: string;
    readonly on: LocalDate;
    readonly reconsideration: boolean;
  }[];
  readonly placementsStarted: readonly LocalDate[];
  readonly placementsEnded: readonly { readonly on: LocalDate; readonly reason: string }[];
  readonly exits: readonly { readonly on: LocalDate; readonly reason: string }[];
  /**
   * Follow-ups after exit: which (1, 2, 3: at 30, 90 and 180 days under the default policy), when,
   * the outcome and the situation (absent from follow-ups recorded before it was asked).
   */
  readonly followUps: readonly {
    readonly followUp: number;
    readonly on: LocalDate;
    readonly outcome: string;
    readonly situation: FollowUpSituation | undefined;
  }[];
}

/**
 * Versioned: version 2 counts follow-up outcomes, which version 1 did not keep in its states, so
 * it is a new projection with keys of its own, built from the first event by the runner that
 * finds it without a checkpoint (queries answer 503 "not built" until then); version 1's keys are
 * left to the next `projections:rebuild`, which builds a generation without them.
 */
export const PROBLEM_PROFILE_PROJECTION = 'problem-profile-v2';
export const ALL_AREAS = '*';
/** The counters of one area (or `*`, every area) for one month, `YYYY-MM`. */
export const profileKey = (area: string, month: string) => `profile-v2:${area}:${month}`;
/** The situation's fields, each counted per follow-up; `not_recorded` for follow-ups without one. */
export const FOLLOW_UP_DIMENSIONS = ['outcome', ...Object.keys(FOLLOW_UP_SITUATION_FIELDS)] as const;

const month = (date: LocalDate) => date.slice(0, 7);
const days = (from: LocalDate, to: LocalDate) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/**
 * The problem profile: counts per area and month of identifications, referrals, duties to notify,
 * decisions, exploitation types, age groups, nationalities, referring agencies, placements and
 * their endings, exits, re-referrals, follow-ups by stage with their outcome and the person's
 * situation, and histograms of days from referral to reasonable grounds and from reasonable
 * grounds to conclusive grounds (for medians). Aggregates only.
 */
export function problemProfileProjection(): Projection<ProfileCase> {
  return {
    name: PROBLEM_PROFILE_PROJECTION,
    entityOf: (event) => caseIdOfStream(event.stream),
    initialState: {
      area: 'unspecified',
      identified: undefined,
      referrals: [],
      dutiesToNotify: [],
      decisions: [],
      placementsStarted: [],
      placementsEnded: [],
      exits: [],
      followUps: [],
    },
    evolve: evolveProfileCase,
    outputs: (_caseId, state) => profileOutputs(state),
  };
}

function evolveProfileCase(state: ProfileCase, recorded: ProjectedEvent): ProfileCase {
  const event = recorded as unknown as CaseEvent;
  switch (event.type) {
    case 'PotentialVictimIdentified': {
      const d = event.data;
      return {
        ...state,
        area: d.area ?? 'unspecified',
        identified: {
          on: d.identifiedOn,
          child: d.child,
          exploitationTypes: d.exploitationTypes,
          nationality: d.nationality ?? 'not recorded',
          reReferral: d.previousCaseId !== undefined,
        },
      };
    }
    case 'NrmReferralSubmitted':
      return {
        ...state,
        referrals: [...state.referrals, { on: event.data.submittedOn, firstResponder: event.data.firstResponder }],
      };
    case 'DutyToNotifySubmitted':
      return { ...state, dutiesToNotify: [...state.dutiesToNotify, event.data.submittedOn] };
    case 'ReasonableGroundsDecisionMade':
    case 'ConclusiveGroundsDecisionMade': {
      const kind = event.type === 'ReasonableGroundsDecisionMade' ? 'reasonable_grounds' : 'conclusive_grounds';
      const decision = { kind, outcome: event.data.outcome, on: event.data.decidedOn, reconsideration: false };
      return { ...state, decisions: [...state.decisions, decision] };
    }
    case 'ReconsiderationDecided': {
      const { decision: kind, outcome, decidedOn: on } = event.data;
      return { ...state, decisions: [...state.decisions, { kind, outcome, on, reconsideration: true }] };
    }
    case 'SafeHousePlacementStarted':
      return { ...state, placementsStarted: [...state.placementsStarted, event.data.startedOn] };
    case 'SafeHousePlacementEnded':
      return {
        ...state,
        placementsEnded: [...state.placementsEnded, { on: event.data.endedOn, reason: event.data.reason }],
      };
    case 'ExitedNrm':
      return { ...state, exits: [...state.exits, { on: event.data.exitedOn, reason: event.data.reason }] };
    case 'FollowUpCompleted': {
      const { followUp, completedOn: on, outcome, situation } = event.data;
      return { ...state, followUps: [...state.followUps, { followUp, on, outcome, situation }] };
    }
    default:
      return state;
  }
}

function profileOutputs(state: ProfileCase): ReadModelOutputs {
  if (!state.identified) return {};
  const counts: [string, string, number][] = [];
  const count = (on: LocalDate, field: string) => {
    for (const area of [state.area, ALL_AREAS]) counts.push([profileKey(area, month(on)), field, 1]);
  };
  const { identified } = state;
  count(identified.on, 'identifications');
  count(identified.on, `age_group:${identified.child ? 'child' : 'adult'}`);
  count(identified.on, `nationality:${identified.nationality}`);
  for (const type of identified.exploitationTypes) count(identified.on, `exploitation:${type}`);
  if (identified.reReferral) count(identified.on, 're_referrals');
  for (const referral of state.referrals) {
    count(referral.on, 'referrals');
    count(referral.on, `referring_agency:${referral.firstResponder}`);
  }
  for (const on of state.dutiesToNotify) count(on, 'duties_to_notify');
  for (const decision of state.decisions) {
    count(
      decision.on,
      `${decision.reconsideration ? 'reconsideration' : 'decision'}:${decision.kind}:${decision.outcome}`,
    );
  }
  // Days from the first referral to the first RG decision, and from the first positive RG to the first CG.
  const referral = state.referrals[0];
  const firstRg = state.decisions.find((d) => d.kind === 'reasonable_grounds' && !d.reconsideration);
  if (referral && firstRg) count(firstRg.on, `days_referral_to_rg:${days(referral.on, firstRg.on)}`);
  const positiveRg = state.decisions.find((d) => d.kind === 'reasonable_grounds' && d.outcome === 'positive');
  const firstCg = state.decisions.find((d) => d.kind === 'conclusive_grounds' && !d.reconsideration);
  if (positiveRg && firstCg) count(firstCg.on, `days_rg_to_cg:${days(positiveRg.on, firstCg.on)}`);
  for (const on of state.placementsStarted) count(on, 'placements_started');
  for (const ended of state.placementsEnded) count(ended.on, `placement_ended:${ended.reason}`);
  for (const exit of state.exits) count(exit.on, `exit:${exit.reason}`);
  // Each follow-up once as completed, and once in each dimension: every dimension adds up to `completed`.
  for (const { followUp, on, outcome, situation } of state.followUps) {
    count(on, `follow_up:${followUp}:completed`);
    count(on, `follow_up:${followUp}:outcome:${outcome}`);
    for (const field of Object.keys(FOLLOW_UP_SITUATION_FIELDS) as (keyof FollowUpSituation)[])
      count(on, `follow_up:${followUp}:${field}:${situation?.[field] ?? 'not_recorded'}`);
  }
  return { counts };
}
