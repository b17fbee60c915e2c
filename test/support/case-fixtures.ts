import { randomUUID } from 'node:crypto';
import type { ApiResponse, Caller } from './api-client';
import { daysAgo } from './dates';

/** A fixture case's personal values: synthetic, and unique per case so their presence in any answer is unmistakable. */
export interface PersonalValues {
  readonly name: string;
  readonly dob: string;
  readonly contact: string;
  /** The safe-house address of its placement. */
  readonly address: string;
  readonly note: string;
}

/**
 * Enters a case (as `token`, a police caseworker's) holding every kind of personal value: identified
 * `identifiedDaysAgo` days back in area West with a name, date of birth and contact; consent and the
 * NRM referral a day later; a positive RG decision two days after that; a safe-house placement at
 * `values.address` the next day; a note; and, with `referToMarac`, a MARAC referral the day after.
 * Every answer goes through `step`, which fails the fixture on a non-2xx (and may note positions).
 */
export async function enterCaseWithPersonalData(
  call: Caller,
  step: (answer: Promise<ApiResponse>) => Promise<ApiResponse>,
  fixture: {
    readonly token: string;
    readonly caseId: string;
    readonly values: PersonalValues;
    readonly identifiedDaysAgo: number;
    readonly referToMarac: boolean;
  },
): Promise<void> {
  const { token, caseId, values, identifiedDaysAgo: d } = fixture;
  const act = (path: string, body: unknown) => step(call('POST', `/cases/${caseId}/${path}`, { token, body }));
  await step(
    call('POST', '/cases', {
      token,
      body: {
        caseId,
        identifiedOn: daysAgo(d),
        location: 'Synthetic location',
        encounterContext: 'police_operation',
        indicators: ['withheld_documents'],
        exploitationTypes: ['labour'],
        child: false,
        area: 'West',
        personal: { name: values.name, dateOfBirth: values.dob, contact: values.contact },
      },
    }),
  );
  await act('consent', { givenOn: daysAgo(d - 1), language: 'en', interpreterUsed: false });
  await act('nrm-referral', {
    submittedOn: daysAgo(d - 1),
    competentAuthority: 'single_competent_authority',
    reference: `NRM-${caseId.slice(0, 8)}`,
  });
  await act('reasonable-grounds-decision', { outcome: 'positive', decidedOn: daysAgo(d - 3) });
  await act('placement', {
    placementId: randomUUID(),
    startedOn: daysAgo(d - 4),
    provider: 'Synthetic Safe House Provider',
    address: values.address,
    emergencyOutsideNrm: false,
  });
  await act('notes', { noteId: randomUUID(), text: values.note });
  if (fixture.referToMarac)
    await act('marac-referrals', { referredOn: daysAgo(d - 5), reason: 'High risk of re-exploitation' });
}
