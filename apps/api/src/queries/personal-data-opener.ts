import { Inject, Injectable } from '@nestjs/common';
import { redact, type CaseReadAccess } from '@app/case-domain';
import { openEventData, type Keyring, type OpenedData } from '@app/personal-data';
import { KEYRING } from '@app/platform';
import type { CaseViewState, MaracMeetingView, SealedPart } from '@app/read-models';

/** The person whose data a case holds: the key their fields are sealed under. */
export const victimOf = (caseId: string): string => `victim-${caseId}`;

/** A case view's personal parts as this reader may see them: opened, `null` when erased, absent when not allowed. */
export interface OpenedCaseParts {
  readonly details?: Readonly<Record<string, unknown>> | null;
  readonly placementAddress?: unknown;
  readonly referralReference?: unknown;
  readonly dutyToNotifyReference?: unknown;
  /** The fields shown as `null` because the person's key was destroyed. */
  readonly erasedFields: readonly string[];
}

/**
 * Decrypt on authorised reads: every read path opens personal fields here, and only those the
 * domain's one redaction (`redact`) lets through, so nothing is decrypted that is not shown.
 * A field whose key was destroyed comes back `null` and is named in `erasedFields`.
 */
@Injectable()
export class PersonalDataOpener {
  constructor(@Inject(KEYRING) private readonly keyring: Keyring) {}

  /** An event's data (already redacted), its sealed fields opened. */
  openEvent(caseId: string, at: { eventId: string; type: string; stream: string }, data: unknown): Promise<OpenedData> {
    return openEventData(this.keyring, at, data, victimOf(caseId));
  }

  async openCaseView(view: CaseViewState, access: CaseReadAccess, askedForPersonal: boolean): Promise<OpenedCaseParts> {
    const { personal } = view;
    const erasedFields: string[] = [];
    const open = async (part: SealedPart | undefined, name: string) => {
      if (!part) return undefined;
      const opened = await this.openEvent(view.caseId, { ...part, stream: `case-${view.caseId}` }, part.data);
      erasedFields.push(...opened.erased.map((path) => `${name}.${path}`));
      return opened.data as Record<string, unknown>;
    };
    const details = askedForPersonal ? redact(access, 'details', personal.details) : undefined;
    const address = redact(access, 'placementAddress', personal.placementAddress);
    const [openedDetails, openedAddress, referral, dutyToNotify] = await Promise.all([
      open(details, 'details'),
      open(address, 'placementAddress'),
      open(personal.referralReference, 'referral'),
      open(personal.dutyToNotifyReference, 'dutyToNotify'),
    ]);
    return {
      ...(askedForPersonal && access.personalDetails
        ? { details: (openedDetails?.personal as Record<string, unknown> | undefined) ?? null }
        : {}),
      ...(access.placementAddress
        ? { placementAddress: (openedAddress?.personal as { address?: unknown } | undefined)?.address ?? null }
        : {}),
      referralReference: referral?.reference ?? null,
      dutyToNotifyReference: dutyToNotify?.reference ?? null,
      erasedFields,
    };
  }

  /** Meetings with their free text (action descriptions, discussion decisions) opened for a reader of the agenda or a queue. */
  openMeetings(meetings: readonly MaracMeetingView[]): Promise<MaracMeetingView[]> {
    return Promise.all(meetings.map((meeting) => this.openMeeting(meeting)));
  }

  private async openMeeting(meeting: MaracMeetingView): Promise<MaracMeetingView> {
    const stream = `marac-meeting-${meeting.meetingId}`;
    const actions = await Promise.all(
      Object.values(meeting.actions).map(async (action) => {
        const at = { eventId: action.eventId, type: 'MaracActionAgreed', stream };
        const opened = await this.openEvent(action.caseId, at, { description: action.description });
        const description = (opened.data as { description: unknown }).description;
        return [action.actionId, { ...action, description }] as const;
      }),
    );
    const discussions = await Promise.all(
      meeting.discussions.map(async (discussion) => {
        const at = { eventId: discussion.eventId, type: 'CaseDiscussedAtMarac', stream };
        const opened = await this.openEvent(discussion.caseId, at, { decisions: discussion.decisions });
        return { ...discussion, decisions: (opened.data as { decisions: unknown }).decisions };
      }),
    );
    return { ...meeting, actions: Object.fromEntries(actions), discussions };
  }
}
