/** Closed vocabularies of the pathway: the API accepts nothing outside them. */

/** The Home Office typology of modern slavery. */
export const EXPLOITATION_TYPES = [
  'labour',
  'sexual',
  'criminal',
  'domestic_servitude',
  'organ_harvesting',
  'forced_marriage',
  'unknown',
] as const;
export type ExploitationType = (typeof EXPLOITATION_TYPES)[number];

export const ENCOUNTER_CONTEXTS = [
  'police_operation',
  'self_referral',
  'community_report',
  'health_setting',
  'immigration_encounter',
  'workplace_inspection',
  'other',
] as const;
export type EncounterContext = (typeof ENCOUNTER_CONTEXTS)[number];

export const INDICATORS = [
  'restricted_movement',
  'debt_bondage',
  'withheld_documents',
  'physical_abuse',
  'psychological_abuse',
  'excessive_hours',
  'poor_living_conditions',
  'no_access_to_earnings',
  'threats_to_family',
  'isolation',
  'other',
] as const;
export type Indicator = (typeof INDICATORS)[number];

export const COMPETENT_AUTHORITIES = [
  'single_competent_authority',
  'immigration_enforcement_competent_authority',
] as const;
export type CompetentAuthority = (typeof COMPETENT_AUTHORITIES)[number];

export const DECISION_OUTCOMES = ['positive', 'negative'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export const RISK_LEVELS = ['standard', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const PLACEMENT_END_REASONS = ['moved_on', 'broke_down', 'went_missing', 'other'] as const;
export type PlacementEndReason = (typeof PLACEMENT_END_REASONS)[number];

/** What a placement review concluded: the placement goes on, a move is needed, or its end is planned. */
export const PLACEMENT_REVIEW_OUTCOMES = ['continue', 'move', 'end_planned'] as const;
export type PlacementReviewOutcome = (typeof PLACEMENT_REVIEW_OUTCOMES)[number];

/** Why a person left the NRM: after a CG decision, or a withdrawal before one. */
export const EXIT_REASONS = [
  'support_completed',
  'left_support',
  'missing_beyond_policy',
  'repatriated',
  'negative_decision',
] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];
/** The exits the domain page allows before a CG decision. */
export const WITHDRAWAL_REASONS: readonly ExitReason[] = ['left_support', 'missing_beyond_policy', 'repatriated'];

export const FOLLOW_UP_OUTCOMES = ['stable', 'at_risk', 're_exploited', 'not_reachable'] as const;
export type FollowUpOutcome = (typeof FOLLOW_UP_OUTCOMES)[number];

/**
 * The person's situation at a follow-up after exit, each a closed list (no free text: it is
 * counted in the problem profile and must identify nobody). `unknown` where the follow-up could
 * not find out, as when contact is lost.
 */
export const FOLLOW_UP_CONTACT = ['in_contact', 'lost_contact'] as const;
export type FollowUpContact = (typeof FOLLOW_UP_CONTACT)[number];
export const FOLLOW_UP_ACCOMMODATION = ['settled', 'temporary', 'supported', 'homeless', 'unknown'] as const;
export type FollowUpAccommodation = (typeof FOLLOW_UP_ACCOMMODATION)[number];
export const FOLLOW_UP_WORK_OR_EDUCATION = ['employed', 'education_or_training', 'neither', 'unknown'] as const;
export type FollowUpWorkOrEducation = (typeof FOLLOW_UP_WORK_OR_EDUCATION)[number];
/** Health support: receiving it, needing it without receiving it, not needing it. */
export const FOLLOW_UP_HEALTH_SUPPORT = ['receiving', 'needed_not_receiving', 'not_needed', 'unknown'] as const;
export type FollowUpHealthSupport = (typeof FOLLOW_UP_HEALTH_SUPPORT)[number];
/** Re-exploited, at risk of it, or neither. */
export const FOLLOW_UP_EXPLOITATION = ['not_at_risk', 'at_risk', 're_exploited', 'unknown'] as const;
export type FollowUpExploitation = (typeof FOLLOW_UP_EXPLOITATION)[number];
/** Whether the person's immigration status is resolved (`not_applicable` for a British or settled person). */
export const FOLLOW_UP_IMMIGRATION_STATUS = ['resolved', 'unresolved', 'not_applicable', 'unknown'] as const;
export type FollowUpImmigrationStatus = (typeof FOLLOW_UP_IMMIGRATION_STATUS)[number];

export interface FollowUpSituation {
  readonly contact: FollowUpContact;
  readonly accommodation: FollowUpAccommodation;
  readonly workOrEducation: FollowUpWorkOrEducation;
  readonly healthSupport: FollowUpHealthSupport;
  readonly exploitation: FollowUpExploitation;
  readonly immigrationStatus: FollowUpImmigrationStatus;
}

/** Each field of the situation with its closed list: what the DTO validates and the profile counts. */
export const FOLLOW_UP_SITUATION_FIELDS = {
  contact: FOLLOW_UP_CONTACT,
  accommodation: FOLLOW_UP_ACCOMMODATION,
  workOrEducation: FOLLOW_UP_WORK_OR_EDUCATION,
  healthSupport: FOLLOW_UP_HEALTH_SUPPORT,
  exploitation: FOLLOW_UP_EXPLOITATION,
  immigrationStatus: FOLLOW_UP_IMMIGRATION_STATUS,
} as const satisfies { readonly [Field in keyof FollowUpSituation]: readonly FollowUpSituation[Field][] };

export const CLOSURE_REASONS = [
  'support_ended',
  'moved_out_of_area',
  'duplicate',
  'no_further_action',
  'other',
] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];

/** Why a person's data is erased (a closed list: an erasure event must hold no personal data). */
export const ERASURE_REASONS = ['data_subject_request', 'retention_period_ended', 'court_order', 'other'] as const;
export type ErasureReason = (typeof ERASURE_REASONS)[number];

/** The UK GDPR Art. 17(1) ground an erasure relies on. */
export const ERASURE_LEGAL_BASES = [
  'art17_1a_no_longer_necessary',
  'art17_1b_consent_withdrawn',
  'art17_1c_objection',
  'art17_1d_unlawful_processing',
  'art17_1e_legal_obligation',
] as const;
export type ErasureLegalBasis = (typeof ERASURE_LEGAL_BASES)[number];

/** Why a case is kept out of erasure (a closed list, so a hold names no one). */
export const LEGAL_HOLD_REASONS = [
  'criminal_proceedings',
  'civil_proceedings',
  'inquiry_or_review',
  'safeguarding_review',
  'other',
] as const;
export type LegalHoldReason = (typeof LEGAL_HOLD_REASONS)[number];

/** Why a legal hold ends. */
export const LEGAL_HOLD_LIFT_REASONS = ['proceedings_concluded', 'no_longer_needed', 'set_in_error'] as const;
export type LegalHoldLiftReason = (typeof LEGAL_HOLD_LIFT_REASONS)[number];

/** Why a case is shared with another agency (recorded on the share, shown to the receiving agency). */
export const SHARE_PURPOSES = [
  'support_provision',
  'safeguarding',
  'accommodation',
  'investigation',
  'health_care',
] as const;
export type SharePurpose = (typeof SHARE_PURPOSES)[number];

/**
 * The lawful bases a share may rely on (the partnership's information-sharing agreement): a
 * closed list, so a share names its basis the same way every time and a report can count them.
 * `consent` needs the adult's consent recorded as given.
 */
export const SHARING_LEGAL_BASES = [
  /** UK GDPR Art. 6(1)(e) public task with Art. 9(2)(g) and DPA 2018 Sch. 1 para 18 (safeguarding). */
  'public_task_safeguarding',
  /** UK GDPR Art. 6(1)(a) and Art. 9(2)(a): the person's explicit consent. */
  'consent',
  /** UK GDPR Art. 6(1)(c): a legal obligation (e.g. the duty to notify, a court order). */
  'legal_obligation',
  /** UK GDPR Art. 6(1)(d) and Art. 9(2)(c): vital interests, the person unable to consent. */
  'vital_interests',
  /** DPA 2018 Part 3: a competent authority's law-enforcement purpose. */
  'law_enforcement',
] as const;
export type SharingLegalBasis = (typeof SHARING_LEGAL_BASES)[number];

/**
 * What a share lets the receiving agency read: the pathway summary only; the summary and the
 * person's details; or those and the placement's details, whose address is shown only if the
 * receiving agency runs the placement (its provider).
 */
export const SHARE_SCOPES = ['summary', 'summary_and_personal', 'summary_personal_and_placement'] as const;
export type ShareScope = (typeof SHARE_SCOPES)[number];

/** An adult's consent to a share, as recorded (never assumed): a child's share records none. */
export const SHARE_CONSENTS = ['given', 'refused', 'not_sought'] as const;
export type ShareConsent = (typeof SHARE_CONSENTS)[number];
