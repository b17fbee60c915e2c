import { Inject, ServiceUnavailableException } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { disclosureBundle, publicKeyPemOf, signedTreeHeadToJson, type ProvenEvent } from '@app/audit';
import { CaseNotFound, type Actor } from '@app/case-domain';
import { CLOCK } from '../commands/command-context';
import { CaseReadLog } from '../queries/case-read-log';
import { CaseTimeline } from '../queries/case-timeline';
import { PastStates } from '../queries/past-states';
import { PersonalDataReads } from '../queries/personal-data-reads';
import { AuditLogReader } from './audit-log-reader';
import { disclosureHtml } from './disclosure-html';

/** `GET /cases/:id/export?reason=`. */
export class GetCaseExport {
  constructor(
    readonly actor: Actor,
    readonly caseId: string,
    readonly reason: string | undefined,
  ) {}
}

/**
 * A case's disclosure bundle (`libs/audit` `disclosureBundle`, checked offline by
 * `libs/audit/verify-bundle.mjs`): the case's events as stored (personal fields sealed), each
 * with its chain hash, its leaf in the Merkle tree over every event and the inclusion proof of
 * that leaf in the latest signed tree head; the timeline as this reader may see it (the replay's,
 * through the same redaction); and an HTML page of that timeline.
 *
 * Who: an auditor who says why (a reason of at least 10 characters: a disclosure is never
 * casual), or a caseworker of the case's own agency; nobody else (as for the history). The bundle
 * holds the events the latest signed head covers: a case's events are in its tree in order, so
 * that is the stream's first events; any recorded after it are counted in `notYetCovered` (the
 * worker signs a head at least every AUDIT_TREE_HEAD_SECONDS). Recorded in the read log, and as a
 * personal-data read when the timeline showed personal details.
 */
@QueryHandler(GetCaseExport)
export class GetCaseExportHandler implements IQueryHandler<GetCaseExport> {
  constructor(
    private readonly past: PastStates,
    private readonly timeline: CaseTimeline,
    private readonly audit: AuditLogReader,
    private readonly personalDataLog: PersonalDataReads,
    private readonly readLog: CaseReadLog,
    @Inject(CLOCK) private readonly clock: () => Date,
  ) {}

  async execute({ actor, caseId, reason }: GetCaseExport) {
    const stream = await this.past.caseStream(caseId);
    if (stream.recorded.length === 0) throw new CaseNotFound(`There is no case ${caseId}`);
    const access = this.timeline.access(actor, caseId, stream, reason, 'export');

    const head = await this.audit.heads.latest();
    const proofs = head ? await this.audit.inclusionProofs(stream.recorded, head.treeSize) : [];
    const events: ProvenEvent[] = [];
    // A stream's events are leaves in order: the head covers a prefix of them.
    for (const [index, event] of stream.recorded.entries()) {
      const proof = proofs[index];
      if (!proof) break;
      const { stream: name, revision, type, data, metadata, chainHash } = event;
      events.push({ stream: name, revision, type, data, metadata, chainHash, ...proof });
    }
    if (head === undefined || events.length === 0) {
      throw new ServiceUnavailableException(
        'No signed tree head covers this case’s events yet; the worker signs one at least every ' +
          'AUDIT_TREE_HEAD_SECONDS: try again shortly',
      );
    }
    const publicKey = await this.audit.heads.publicKey(head.keyId);
    if (publicKey === undefined) throw new Error('the tree head store has no public key for its latest head');

    const { steps, personalDataShown } = await this.timeline.steps(caseId, stream, access, {
      from: 0,
      to: events.length,
    });
    const exportedAt = this.clock();
    const exportedBy = { userId: actor.userId, role: actor.role, agency: actor.agency.id };
    const notYetCovered = stream.recorded.length - events.length;
    this.readLog.record([caseId], actor, 'GET /cases/{caseId}/export', reason);
    if (personalDataShown) {
      await this.personalDataLog.record(
        caseId,
        actor,
        reason ?? 'caseworker of the case’s own agency',
        'disclosure export',
      );
    }
    return disclosureBundle({
      caseId,
      exportedAt,
      exportedBy,
      reason,
      treeHead: head,
      publicKeyPem: publicKeyPemOf(publicKey),
      events,
      notYetCovered,
      timeline: steps,
      html: disclosureHtml({
        caseId,
        exportedAt: exportedAt.toISOString(),
        exportedBy,
        reason: reason ?? null,
        treeHead: signedTreeHeadToJson(head),
        notYetCovered,
        steps,
      }),
    });
  }
}
