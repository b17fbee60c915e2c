/** The roles of the domain page's "Who may do what" table. */
export const ROLES = [
  'caseworker',
  'marac_coordinator',
  'panel_member',
  'auditor',
  'admin',
  'data_protection',
] as const;
export type Role = (typeof ROLES)[number];

export const AGENCY_TYPES = [
  'police',
  'local_authority_adult_services',
  'local_authority_childrens_services',
  'health',
  'housing',
  'ngo',
  'glaa',
  'immigration',
  'other',
] as const;
export type AgencyType = (typeof AGENCY_TYPES)[number];

/**
 * An agency's single point of contact: a named user, or a shared team inbox. Referrals, shares,
 * transfers and unassigned cases for the agency go to its queue (`spoc`).
 */
export type AgencySpoc = { readonly userId: string } | { readonly teamInbox: string };

/** An agency as configured: its type and whether it may refer into the NRM and must notify. */
export interface Agency {
  readonly id: string;
  readonly type: AgencyType;
  readonly firstResponder: boolean;
  readonly dutyToNotify: boolean;
  /** Its single point of contact, where it has named one. */
  readonly spoc?: AgencySpoc;
  /** The local authority areas it serves: whose children's register its children's services read. */
  readonly areas?: readonly string[];
}

/** Who is acting: recorded on every event, and consulted by the rules that depend on the agency. */
export interface Actor {
  readonly userId: string;
  /** `system` only for the service's own processes (`systemActor`); never from a token. */
  readonly role: Role | 'system';
  readonly agency: Agency;
}

/** The service's own process (the reminder processor) as the actor recorded on what it writes. */
export function systemActor(userId: string): Actor {
  return {
    userId,
    role: 'system',
    agency: { id: 'system', type: 'other', firstResponder: false, dutyToNotify: false },
  };
}

/** What `decide` is given besides the command and the state: the actor and the time. */
export interface DecisionContext {
  readonly actor: Actor;
  readonly now: Date;
}
