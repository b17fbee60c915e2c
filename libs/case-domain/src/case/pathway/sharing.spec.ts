import { caseDecider } from '../case-decider';
import { fold } from '../../shared/decider';
import { caseSpecification } from '../../testing/given-when-then';
import {
  charityCaseworker,
  closed,
  context,
  healthCaseworker,
  identifiedAdult,
  identifiedChild,
  now,
  placementStarted,
  policeCaseworker,
} from '../../testing/case-fixtures';
import { ensureMayActOnCase, NotPermitted, agenciesOf } from '../../access/case-access';
import { caseReadAccess, caseReadContext } from '../../access/read-access';
import type { CaseCommand } from '../case-commands';
import type { CaseEvent } from '../case-events';
import { shareIsCurrent } from './sharing';
import { systemActor } from '../../shared/actor';
import { englandAndWalesCalendar } from '../../deadline/calendar';
import { shareExpiryKey } from '../../deadline/deadlines';
import { defaultDeadlinePolicy as policy } from '../../deadline/policy';
import { pendingReminders, reminderDecider, ReminderNotRaised, type RaiseReminder } from '../../deadline/reminders';

const given = caseSpecification(context);
/** The receiving agency's caseworker answering, at the same clock. */
const asHealth = { actor: healthCaseworker };

const shareId = '7d1c2b3a-0000-4000-8000-000000000001';
const share: CaseCommand = {
  type: 'ShareCase',
  shareId,
  withAgency: 'nhs-trust',
  purpose: 'health_care',
  legalBasis: 'public_task_safeguarding',
  scope: 'summary_and_personal',
  expiresOn: '2026-07-15',
  consent: 'not_sought',
};
const shared: CaseEvent = {
  type: 'CaseShared',
  data: {
    shareId,
    withAgency: 'nhs-trust',
    purpose: 'health_care',
    legalBasis: 'public_task_safeguarding',
    scope: 'summary_and_personal',
    expiresOn: '2026-07-15',
    consent: 'not_sought',
    fromAgency: 'police-west',
    sharedOn: '2026-06-15',
  },
};
const accepted: CaseEvent = { type: 'CaseShareAccepted', data: { shareId, acceptedOn: '2026-06-15' } };

describe('sharing a case with another agency', () => {
  it('the owning agency offers a share on its terms, dated today', () =>
    given(identifiedAdult).when(share).then([shared]));
  it('records no consent for a child, and needs one recorded for an adult', () => {
    given(identifiedChild).when(share).thenBreaks('share-consent-not-for-child');
    const { consent: _none, ...withoutConsent } = share;
    given(identifiedAdult).when(withoutConsent).thenBreaks('share-consent-not-recorded');
    given(identifiedChild)
      .when(withoutConsent)
      .then([{ ...shared, data: (({ consent: _c, ...rest }) => rest)(shared.data) }]);
  });
  it('a share on the consent basis needs the consent given', () =>
    given(identifiedAdult)
      .when({ ...share, legalBasis: 'consent' })
      .thenBreaks('share-consent-basis-without-consent'));
  it('is never with the owning agency itself, nor twice open with one agency', () => {
    given(identifiedAdult)
      .when({ ...share, withAgency: 'police-west' })
      .thenBreaks('share-with-owning-agency');
    given(identifiedAdult, shared).when(share).thenBreaks('share-already-open');
    given(identifiedAdult, shared, accepted).when(share).thenBreaks('share-already-open');
  });
  it('may offer again once the earlier share was revoked', () =>
    given(identifiedAdult, shared, {
      type: 'CaseShareRevoked',
      data: { shareId, revokedOn: '2026-06-15', reason: 'x' },
    })
      .when({ ...share, shareId: 'another' })
      .then([{ ...shared, data: { ...shared.data, shareId: 'another' } }]));
  it('refuses an expiry already past', () =>
    given(identifiedAdult)
      .when({ ...share, expiresOn: '2026-06-14' })
      .thenBreaks('share-expiry-in-past'));
  it('the receiving agency accepts or declines once, while offered and unexpired', () => {
    given(identifiedAdult, shared).when({ type: 'AcceptShare', shareId }, asHealth).then([accepted]);
    given(identifiedAdult, shared)
      .when({ type: 'DeclineShare', shareId, reason: 'not our area' }, asHealth)
      .then([{ type: 'CaseShareDeclined', data: { shareId, declinedOn: '2026-06-15', reason: 'not our area' } }]);
    given(identifiedAdult, shared, accepted)
      .when({ type: 'AcceptShare', shareId }, asHealth)
      .thenBreaks('share-not-awaiting-response');
    given(identifiedAdult, shared)
      .when({ type: 'AcceptShare', shareId }, { ...asHealth, now: new Date('2026-07-16T00:30:00+01:00') })
      .thenBreaks('share-not-awaiting-response');
    given(identifiedAdult).when({ type: 'AcceptShare', shareId }, asHealth).thenBreaks('share-unknown');
  });
  it('the owner revokes at any time, a closed case too, but not a share already ended', () => {
    const revoke: CaseCommand = { type: 'RevokeShare', shareId, reason: 'no longer needed' };
    const revoked: CaseEvent = {
      type: 'CaseShareRevoked',
      data: { shareId, revokedOn: '2026-06-15', reason: 'no longer needed' },
    };
    given(identifiedAdult, shared, accepted).when(revoke).then([revoked]);
    given(identifiedAdult, shared, accepted, closed).when(revoke).then([revoked]);
    given(identifiedAdult, shared, revoked).when(revoke).thenBreaks('share-already-ended');
  });
});

describe('after the person’s data is erased', () => {
  const erased: CaseEvent = {
    type: 'PersonalDataErased',
    data: {
      subject: 'victim-c',
      keyId: 'k-1',
      sealedFields: 1,
      digest: 'd'.repeat(64),
      erasedOn: '2026-06-15',
      reason: 'data_subject_request',
      legalBasis: 'art17_1b_consent_withdrawn',
    },
  };
  it('a share can still be revoked, without a reason (free text is personal: none can be recorded)', () => {
    given(identifiedAdult, shared, accepted, erased)
      .when({ type: 'RevokeShare', shareId })
      .then([{ type: 'CaseShareRevoked', data: { shareId, revokedOn: '2026-06-15' } }]);
    given(identifiedAdult, shared, accepted, erased)
      .when({ type: 'RevokeShare', shareId, reason: 'no longer needed' })
      .thenBreaks('personal-data-erased');
  });
});

describe('who may answer, and what a share lets the agency read', () => {
  const state = (...events: CaseEvent[]) => fold(caseDecider, [identifiedAdult, ...events]);
  it('only the receiving agency answers a share; an unknown share is refused alike', () => {
    const answer: CaseCommand = { type: 'AcceptShare', shareId };
    expect(() => ensureMayActOnCase(healthCaseworker, answer, state(shared))).not.toThrow();
    expect(() => ensureMayActOnCase(policeCaseworker, answer, state(shared))).toThrow(NotPermitted);
    expect(() => ensureMayActOnCase(charityCaseworker, answer, state(shared))).toThrow(NotPermitted);
    expect(() => ensureMayActOnCase(healthCaseworker, answer, state())).toThrow(NotPermitted);
    // Offering and revoking stay with the owner.
    expect(() => ensureMayActOnCase(healthCaseworker, share, state())).toThrow(NotPermitted);
  });
  const readBy = (events: CaseEvent[], at = now) =>
    caseReadAccess(healthCaseworker, caseReadContext(state(...events), [], at));
  it('an offered share gives nothing; an accepted one its scope, until its last day ends', () => {
    expect(() => readBy([shared])).toThrow(NotPermitted);
    expect(readBy([shared, accepted])).toEqual({ personalDetails: true, placementAddress: false, history: false });
    expect(readBy([shared, accepted], new Date('2026-07-15T22:59:00Z')).personalDetails).toBe(true);
    // 00:00 London on the 16th: past its last day even before the expiry is recorded.
    expect(() => readBy([shared, accepted], new Date('2026-07-15T23:00:00Z'))).toThrow(NotPermitted);
    expect(() =>
      readBy([shared, accepted, { type: 'CaseShareRevoked', data: { shareId, revokedOn: '2026-06-15', reason: 'x' } }]),
    ).toThrow(NotPermitted);
    expect(() =>
      readBy([
        shared,
        accepted,
        { type: 'CaseShareExpired', data: { shareId, expiredAt: '2026-07-15T23:00:00.000Z' } },
      ]),
    ).toThrow(NotPermitted);
  });
  it('a summary share hides personal details; the address only to the agency running the placement', () => {
    const summary = { ...shared, data: { ...shared.data, scope: 'summary' } } as CaseEvent;
    expect(readBy([summary, accepted]).personalDetails).toBe(false);
    const placementScope = {
      ...shared,
      data: { ...shared.data, scope: 'summary_personal_and_placement' },
    } as CaseEvent;
    const elsewhere = {
      ...placementStarted,
      data: { ...placementStarted.data, provider: 'another-provider' },
    } as CaseEvent;
    const runsIt = { ...placementStarted, data: { ...placementStarted.data, provider: 'nhs-trust' } } as CaseEvent;
    const rg: CaseEvent[] = [];
    expect(readBy([...rg, elsewhere, placementScope, accepted]).placementAddress).toBe(false);
    expect(readBy([...rg, runsIt, placementScope, accepted]).placementAddress).toBe(true);
    expect(readBy([...rg, runsIt, shared, accepted]).placementAddress).toBe(false);
  });
  it('shareIsCurrent: accepted and not past its last day', () => {
    const s = state(shared, accepted).shares![0]!;
    expect(shareIsCurrent(s, '2026-07-15')).toBe(true);
    expect(shareIsCurrent(s, '2026-07-16')).toBe(false);
  });
});

describe('transfer of ownership', () => {
  const transferId = '7d1c2b3a-0000-4000-8000-0000000000f1';
  const request: CaseCommand = { type: 'RequestTransfer', transferId, toAgency: 'safe-harbour', reason: 'moved area' };
  const requested: CaseEvent = {
    type: 'CaseTransferRequested',
    data: {
      transferId,
      fromAgency: 'police-west',
      toAgency: 'safe-harbour',
      requestedOn: '2026-06-15',
      reason: 'moved area',
    },
  };
  const transferred: CaseEvent = {
    type: 'CaseTransferAccepted',
    data: { transferId, fromAgency: 'police-west', toAgency: 'safe-harbour', acceptedOn: '2026-06-15' },
  };
  const assigned: CaseEvent = { type: 'CaseAssigned', data: { caseworkerId: 'user-police-1', agency: 'police-west' } };
  const asCharity = { actor: charityCaseworker };

  it('the owner asks; one transfer at a time; never to itself', () => {
    given(identifiedAdult).when(request).then([requested]);
    given(identifiedAdult, requested).when(request).thenBreaks('transfer-already-requested');
    given(identifiedAdult)
      .when({ ...request, toAgency: 'police-west' })
      .thenBreaks('transfer-to-owning-agency');
  });
  it('the new agency accepts or declines the transfer asked of it', () => {
    given(identifiedAdult, requested).when({ type: 'AcceptTransfer', transferId }, asCharity).then([transferred]);
    given(identifiedAdult, requested)
      .when({ type: 'DeclineTransfer', transferId, reason: 'no capacity' }, asCharity)
      .then([{ type: 'CaseTransferDeclined', data: { transferId, declinedOn: '2026-06-15', reason: 'no capacity' } }]);
    given(identifiedAdult).when({ type: 'AcceptTransfer', transferId }, asCharity).thenBreaks('transfer-not-requested');
    const s = fold(caseDecider, [identifiedAdult, requested]);
    expect(() => ensureMayActOnCase(policeCaseworker, { type: 'AcceptTransfer', transferId }, s)).toThrow(NotPermitted);
    expect(() => ensureMayActOnCase(charityCaseworker, { type: 'AcceptTransfer', transferId }, s)).not.toThrow();
  });
  it('once accepted, the new agency owns the case, the old assignment ends, the old agency keeps nothing', () => {
    const after = fold(caseDecider, [identifiedAdult, assigned, requested, transferred]);
    expect(agenciesOf(after)).toEqual(['safe-harbour']);
    expect(after.assignee).toBeUndefined();
    expect(() => ensureMayActOnCase(policeCaseworker, { type: 'AddNote', noteId: 'n', text: 'x' }, after)).toThrow(
      NotPermitted,
    );
    expect(() => caseReadAccess(policeCaseworker, caseReadContext(after, [], now))).toThrow(NotPermitted);
    expect(caseReadAccess(charityCaseworker, caseReadContext(after, [], now)).history).toBe(true);
  });
  it('the old agency keeps what a share gives it', () => {
    const keep: CaseEvent = {
      ...shared,
      data: { ...shared.data, withAgency: 'police-west', fromAgency: 'safe-harbour', scope: 'summary' },
    };
    const after = fold(caseDecider, [identifiedAdult, requested, transferred, keep, accepted]);
    expect(caseReadAccess(policeCaseworker, caseReadContext(after, [], now))).toEqual({
      personalDetails: false,
      placementAddress: false,
      history: false,
    });
  });
});

describe('a share ends by itself after its last day', () => {
  const calendar = englandAndWalesCalendar();
  const processor = { actor: systemActor('reminder-processor') };
  const raise = (at: string): RaiseReminder => ({ type: 'RaiseReminder', data: { key: shareExpiryKey(shareId), at } });
  const expiresAt = '2026-07-15T23:00:00.000Z'; // 00:00 London (BST) on the 16th
  const decider = reminderDecider(policy, calendar);

  it('one reminder at midnight after the last day, for a share offered or accepted, none once it ended', () => {
    const pending = (...events: CaseEvent[]) =>
      pendingReminders(fold(caseDecider, [identifiedAdult, ...events]), policy, calendar, now).filter(
        (reminder) => reminder.kind === 'share_expiry',
      );
    expect(pending(shared).map((reminder) => reminder.at)).toEqual([expiresAt]);
    expect(pending(shared, accepted).map((reminder) => reminder.at)).toEqual([expiresAt]);
    expect(
      pending(shared, { type: 'CaseShareDeclined', data: { shareId, declinedOn: '2026-06-15', reason: 'x' } }),
    ).toEqual([]);
    const openEnded = {
      ...shared,
      data: (({ expiresOn: _e, ...rest }) => rest)(shared.data),
    };
    expect(pending(openEnded as CaseEvent)).toEqual([]);
  });
  it('records the expiry once: not before its time, and never again after', () => {
    const state = fold(caseDecider, [identifiedAdult, shared, accepted]);
    expect(() => decider.decide(raise(expiresAt), state, { ...processor, now })).toThrow(ReminderNotRaised);
    const at = new Date('2026-07-16T08:00:00Z');
    const written = decider.decide(raise(expiresAt), state, { ...processor, now: at });
    expect(written).toEqual([{ type: 'CaseShareExpired', data: { shareId, expiredAt: expiresAt } }]);
    const after = fold(caseDecider, [identifiedAdult, shared, accepted, ...written]);
    expect(after.shares![0]!.status).toBe('expired');
    expect(() => decider.decide(raise(expiresAt), after, { ...processor, now: at })).toThrow(ReminderNotRaised);
  });
});
