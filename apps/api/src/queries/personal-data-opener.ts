import { Inject, Injectable } from '@nestjs/common';
import { caseStream, maracMeetingStream, redact, type CaseReadAccess } from '@app/case-domain';
import { erasedEventData, openEventData, type Keyring, type OpenedData } from '@app/personal-data';
import { KEYRING } from '@app/platform';
import type { CaseViewState, MaracAction, MaracMeetingView, SealedPart } from '@app/read-models';

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

  /**
   * An event's data (already redacted), its sealed fields opened; with `erased` (the case records
   * the erasure) shown as erased without asking for a key, so a key still cached in this process
   * after another one destroyed it opens nothing.
   */
  async openEvent(
    caseId: string,
    at: { eventId: string; type: string; stream: string },
    data: unknown,
    erased = false,
  ): Promise<OpenedData> {
    return erased ? erasedEventData(at, data) : openEventData(this.keyring, at, data, victimOf(caseId));
  }

  async openCaseView(view: CaseViewState, access: CaseReadAccess, askedForPersonal: boolean): Promise<OpenedCaseParts> {
    const { personal } = view;
    const erasedFields: string[] = [];
    const open = async (part: SealedPart | undefined, name: string) => {
      if (!part) return undefined;
      const erased = view.domain.personalDataErased !== undefined;
      const opened = await this.openEvent(view.caseId, { ...part, stream: caseStream(view.caseId) }, part.data, erased);
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

  /**
   * Meetings with their free text (action descriptions, discussion decisions) opened for a reader
   * of the agenda or a case; `erased` says which cases record an erasure. With `onlyCase`, the
   * text about other cases is left out rather than opened (nothing is decrypted that is not shown).
   */
  openMeetings(
    meetings: readonly MaracMeetingView[],
    erased: (caseId: string) => boolean,
    onlyCase?: string,
  ): Promise<MaracMeetingView[]> {
    return Promise.all(meetings.map((meeting) => this.openMeeting(meeting, erased, onlyCase)));
  }

  /** One action's description opened (a queue shows actions, not whole meetings). */
  async openAction(meetingId: string, action: MaracAction, erased: boolean): Promise<MaracAction> {
    const at = { eventId: action.eventId, type: 'MaracActionAgreed', stream: maracMeetingStream(meetingId) };
    const opened = await this.openEvent(action.caseId, at, { description: action.description }, erased);
    return { ...action, description: (opened.data as { description: unknown }).description };
  }

  private async openMeeting(
    meeting: MaracMeetingView,
    erased: (caseId: string) => boolean,
    onlyCase: string | undefined,
  ): Promise<MaracMeetingView> {
    const stream = maracMeetingStream(meeting.meetingId);
    const shown = (caseId: string) => onlyCase === undefined || caseId === onlyCase;
    const actions = await Promise.all(
      Object.values(meeting.actions).map(
        async (action) =>
          [
            action.actionId,
            shown(action.caseId)
              ? await this.openAction(meeting.meetingId, action, erased(action.caseId))
              : { ...action, description: undefined },
          ] as const,
      ),
    );
    const discussions = await Promise.all(
      meeting.discussions.map(async (discussion) => {
        if (!shown(discussion.caseId)) return { ...discussion, decisions: undefined };
        const at = { eventId: discussion.eventId, type: 'CaseDiscussedAtMarac', stream };
        const data = { decisions: discussion.decisions };
        const opened = await this.openEvent(discussion.caseId, at, data, erased(discussion.caseId));
        return { ...discussion, decisions: (opened.data as { decisions: unknown }).decisions };
      }),
    );
    return { ...meeting, actions: Object.fromEntries(actions), discussions };
  }
}
