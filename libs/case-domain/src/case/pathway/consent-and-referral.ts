import type { DecisionContext } from '../../shared/actor';
import { ensure } from '../../shared/rule-broken';
import type { CaseEvent } from '../case-events';
import type {
  RecordConsentDeclined,
  RecordConsentGiven,
  SubmitDutyToNotify,
  SubmitNrmReferral,
} from '../case-commands';
import type { CaseState } from '../case-state';
import { ensureDate } from './dates';

/** An adult's informed consent to a referral. A child needs none. An adult who declined may consent later. */
export function recordConsentGiven(
  command: RecordConsentGiven,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  ensure(!state.child, 'consent-not-needed-for-child');
  ensure(state.consent !== 'given', 'consent-already-given');
  ensureDate(command.givenOn, now, state.identifiedOn, state.consentOn);
  const { givenOn, language, interpreterUsed } = command;
  return [{ type: 'ConsentGiven', data: { givenOn, language, interpreterUsed } }];
}

/** An adult declines a referral; the duty to notify then applies. Refused once consent is given. */
export function recordConsentDeclined(
  command: RecordConsentDeclined,
  state: CaseState,
  { now }: DecisionContext,
): CaseEvent[] {
  ensure(!state.child, 'consent-not-needed-for-child');
  ensure(state.consent !== 'given', 'consent-already-given');
  ensureDate(command.declinedOn, now, state.identifiedOn);
  const { declinedOn, language, interpreterUsed } = command;
  return [{ type: 'ConsentDeclined', data: { declinedOn, language, interpreterUsed } }];
}

/** The anonymous notification for an adult who did not consent, by an agency with the duty. */
export function submitDutyToNotify(
  command: SubmitDutyToNotify,
  state: CaseState,
  { actor, now }: DecisionContext,
): CaseEvent[] {
  ensure(!state.child, 'duty-to-notify-not-for-child');
  ensure(actor.agency.dutyToNotify, 'duty-to-notify-requires-duty', `${actor.agency.id} has no duty to notify`);
  ensure(state.consent === 'declined', 'duty-to-notify-requires-consent-declined');
  ensure(!state.dutyToNotifyOn, 'duty-to-notify-already-submitted');
  ensureDate(command.submittedOn, now, state.consentOn);
  return [
    {
      type: 'DutyToNotifySubmitted',
      data: { submittedOn: command.submittedOn, agency: actor.agency.id, reference: command.reference },
    },
  ];
}

/** The NRM referral: by a first responder organisation, after an adult's consent, or for a child. */
export function submitNrmReferral(
  command: SubmitNrmReferral,
  state: CaseState,
  { actor, now }: DecisionContext,
): CaseEvent[] {
  ensure(
    actor.agency.firstResponder,
    'referral-requires-first-responder',
    `${actor.agency.id} is not a first responder`,
  );
  ensure(state.child || state.consent === 'given', 'referral-requires-consent');
  ensure(!state.referredOn, 'referral-already-submitted');
  ensureDate(command.submittedOn, now, state.identifiedOn, state.consentOn);
  const { submittedOn, competentAuthority, reference } = command;
  return [
    {
      type: 'NrmReferralSubmitted',
      data: { submittedOn, firstResponder: actor.agency.id, competentAuthority, reference },
    },
  ];
}
