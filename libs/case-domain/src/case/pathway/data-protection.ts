import type { DecisionContext } from '../../shared/actor';
import { londonDateOf } from '../../shared/local-date';
import { ensure, PathwayRuleBroken } from '../../shared/rule-broken';
import { personalFieldsOfType } from '../../personal/classification';
import { valueAt } from '../../personal/field-paths';
import type { ErasePersonalData, LiftLegalHold, SetLegalHold } from '../case-commands';
import type { CaseEvent } from '../case-events';
import type { CaseState } from '../case-state';

/**
 * Erasure (UK GDPR Art. 17): refused while a legal hold is set; a second erasure records nothing
 * (the key is already gone). Pathway facts stay: only the key is destroyed.
 */
export function erasePersonalData(command: ErasePersonalData, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  if (state.personalDataErased) return [];
  ensure(!state.legalHold, 'legal-hold-set', 'the case is under a legal hold: lift it before erasing');
  const { subject, keyId, sealedFields, digest } = command.key;
  return [
    {
      type: 'PersonalDataErased',
      data: {
        subject,
        keyId,
        erasedOn: londonDateOf(now),
        reason: command.reason,
        legalBasis: command.legalBasis,
        sealedFields,
        digest,
      },
    },
  ];
}

/** A legal hold keeps the case out of erasure and of the retention review; setting it twice records nothing. */
export function setLegalHold(command: SetLegalHold, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  if (state.legalHold) return [];
  return [{ type: 'LegalHoldSet', data: { setOn: londonDateOf(now), reason: command.reason } }];
}

export function liftLegalHold(command: LiftLegalHold, state: CaseState, { now }: DecisionContext): CaseEvent[] {
  ensure(state.legalHold !== undefined, 'no-legal-hold');
  return [{ type: 'LegalHoldLifted', data: { liftedOn: londonDateOf(now), reason: command.reason } }];
}

/**
 * Once the person's data is erased, nothing personal is recorded for them again (their key is
 * gone, and they asked to be forgotten): a command that would keep a personal field is refused.
 */
export function ensureNothingPersonalAfterErasure(state: CaseState, events: readonly CaseEvent[]): void {
  if (!state.personalDataErased) return;
  for (const event of events) {
    const personal = personalFieldsOfType(event.type).some((field) => valueAt(event.data, field.path) !== undefined);
    if (personal) {
      throw new PathwayRuleBroken('personal-data-erased', `${event.type} would keep personal data of an erased person`);
    }
  }
}
