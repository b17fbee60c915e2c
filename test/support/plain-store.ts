import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SqliteEventStore, type EventData } from '../../libs/event-store/src';
import { KeyEncryptionKey, Keyring, SealingEventStore, SqliteKeyStore } from '../../libs/personal-data/src';
import { daysAgo } from './dates';

/**
 * An embedded store as it was written before personal data was sealed: synthetic people whose
 * distinctive names, addresses and notes are in clear, across case and meeting streams appended
 * in an interleaved order. On top of that, what a store looks like when the new version already
 * ran on it: one event appended sealed, and one person erased (their key destroyed) whose earlier
 * events are still in clear.
 */
export const PLAIN_VALUES = {
  name: 'Zorblat Quendish',
  alias: 'Kestrel Vantablue',
  contact: 'zorblat.quendish@example.invalid',
  location: 'Brindlewick car wash',
  otherName: 'Yvaine Moribund-Klatt',
  note: 'Said Xanthe Pelliwig keeps the passports',
  address: 'Flat 9, 77 Quillbrook Terrace',
  maracReason: 'Threats from the Drummond Halvorsen network',
  decision: 'Refer Vesper Oldacre to housing',
  action: 'Visit Quorra Lindqvist weekly',
  erasedName: 'Ulmforth Erasedperson',
  erasedLocation: 'Gribbleton lay-by',
} as const;

/** Written sealed by the new version: never in clear anywhere, before or after. */
export const SEALED_NOTE = 'Already sealed: Wombleton Farrage';

export interface PlainStore {
  readonly file: string;
  readonly victim: string;
  readonly other: string;
  readonly erased: string;
  /** The digest of the command that identified `victim`: a plain SHA-256 over its personal data. */
  readonly identifyDigest: string;
  /** The digest of a command without personal data. */
  readonly consentDigest: string;
}

export async function writePlainStore(dataDir: string, kekText: string): Promise<PlainStore> {
  const file = join(dataDir, 'events.sqlite');
  const [victim, other, erased, meeting] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const identifyDigest = 'a1'.repeat(32);
  const consentDigest = 'c0'.repeat(32);
  const metadata = (command: string, commandDigest?: string) => ({
    actor: { userId: 'user-police-1', role: 'caseworker', agency: 'police' },
    correlationId: randomUUID(),
    causationId: randomUUID(),
    recordedAt: new Date().toISOString(),
    command,
    schemaVersion: 1,
    ...(commandDigest ? { idempotencyKey: randomUUID(), commandDigest } : {}),
  });
  const identified = (caseId: string, name: string, location: string, personal: object = {}) => ({
    type: 'PotentialVictimIdentified',
    data: {
      caseId,
      identifyingAgency: 'police',
      identifiedOn: daysAgo(20),
      location,
      encounterContext: 'police_operation',
      indicators: ['withheld_documents'],
      exploitationTypes: ['labour'],
      child: false,
      area: 'testshire',
      personal: { name, ...personal },
    },
  });
  const identify = metadata('IdentifyPotentialVictim', identifyDigest);
  const v = PLAIN_VALUES;
  const appends: [string, EventData[]][] = [
    [
      `case-${victim}`,
      [
        {
          ...identified(victim, v.name, v.location, {
            aliases: [v.alias],
            dateOfBirth: '1990-02-03',
            contact: v.contact,
          }),
          metadata: identify,
        },
        { type: 'CaseAssigned', data: { caseworkerId: 'user-police-1', agency: 'police' }, metadata: identify },
      ],
    ],
    [`case-${other}`, [{ ...identified(other, v.otherName, 'Testshire market'), metadata: metadata('Identify') }]],
    [
      `marac-meeting-${meeting}`,
      [
        {
          type: 'MaracMeetingScheduled',
          data: { meetingId: meeting, area: 'testshire', meetsOn: daysAgo(2), attendingAgencies: ['police'] },
          metadata: metadata('ScheduleMaracMeeting'),
        },
      ],
    ],
    [
      `case-${victim}`,
      [
        {
          type: 'NoteAdded',
          data: { noteId: randomUUID(), personal: { text: v.note } },
          metadata: metadata('AddNote'),
        },
      ],
    ],
    [`case-${erased}`, [{ ...identified(erased, v.erasedName, v.erasedLocation), metadata: metadata('Identify') }]],
    [
      `case-${other}`,
      [
        {
          type: 'ConsentGiven',
          data: { givenOn: daysAgo(19), language: 'en', interpreterUsed: false },
          metadata: metadata('GiveConsent', consentDigest),
        },
      ],
    ],
    [
      `case-${victim}`,
      [
        {
          type: 'SafeHousePlacementStarted',
          data: {
            placementId: randomUUID(),
            startedOn: daysAgo(18),
            provider: 'ngo-support',
            emergencyOutsideNrm: false,
            personal: { address: v.address },
          },
          metadata: metadata('StartPlacement'),
        },
        {
          type: 'ReferredToMarac',
          data: { referredOn: daysAgo(10), reason: v.maracReason },
          metadata: metadata('Refer'),
        },
      ],
    ],
    [
      `marac-meeting-${meeting}`,
      [
        { type: 'CaseListedAtMarac', data: { caseId: victim }, metadata: metadata('List') },
        {
          type: 'CaseDiscussedAtMarac',
          data: { caseId: victim, riskLevel: 'high', decisions: [v.decision] },
          metadata: metadata('Discuss'),
        },
        {
          type: 'MaracActionAgreed',
          data: {
            actionId: randomUUID(),
            caseId: victim,
            description: v.action,
            ownerAgency: 'police',
            dueOn: daysAgo(1),
          },
          metadata: metadata('AgreeAction'),
        },
      ],
    ],
  ];
  const store = new SqliteEventStore(file);
  for (const [stream, events] of appends) await store.append(stream, events);

  // The new version ran on this store: it appended sealed, and erased a person.
  const keys = new SqliteKeyStore(join(dataDir, 'keys.sqlite'));
  const keyring = await Keyring.open(keys, KeyEncryptionKey.parse(kekText));
  await new SealingEventStore(store, keyring).append(`case-${victim}`, [
    {
      type: 'NoteAdded',
      data: { noteId: randomUUID(), personal: { text: SEALED_NOTE } },
      metadata: metadata('AddNote'),
    },
  ]);
  await keyring.keyForSubject(`victim-${erased}`);
  await keyring.destroySubjectKey(`victim-${erased}`);
  await keys.close();
  await store.close();
  return { file, victim, other, erased, identifyDigest, consentDigest };
}
