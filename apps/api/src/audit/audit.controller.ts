import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Query,
  Res,
} from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { ApiNotFoundResponse, ApiOperation } from '@nestjs/swagger';
import { type DisclosureBundle, type SignedTreeHead, auditLeafBytes, leafHash } from '@app/audit';
import { caseStream, type Actor } from '@app/case-domain';
import type { EventStore } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';
import { AllowRoles, CurrentActor } from '../auth/actor.decorators';
import { CaseReadLog } from '../queries/case-read-log';
import { AuditLogReader, treeHeadJson } from './audit-log-reader';
import { CaseExportQueryDto, CaseProofQueryDto, ConsistencyQueryDto } from './audit.dtos';
import { GetCaseExport } from './case-export.query';

const base64 = (hashes: readonly Buffer[]) => hashes.map((hash) => hash.toString('base64'));

/**
 * The global Merkle tree over every event (RFC 9162), as the worker builds it: signed tree heads,
 * consistency proofs between two of them, and inclusion proofs of a case's events. For auditors.
 * Hashes and signatures in base64; a head's public key as a PEM. No event content is shown: a
 * proof names events by stream revision and leaf, and its leaf is checked against the event as read.
 */
@Controller()
@AllowRoles('auditor')
export class AuditController {
  constructor(
    private readonly audit: AuditLogReader,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readLog: CaseReadLog,
    private readonly queries: QueryBus,
  ) {}

  @Get('audit/tree-head')
  @ApiNotFoundResponse({ description: 'No tree head has been signed yet.' })
  @ApiOperation({
    summary: 'The latest signed tree head of the Merkle tree over every event, with its public key (PEM)',
    description:
      'treeSize, rootHash (base64), timestamp (ms) and signedAt, keyId (SHA-256 of the raw Ed25519 public key), ' +
      'signature (Ed25519 over the 108 bytes libs/audit/src/tree-heads/tree-head.ts lays out). 404 before the first.',
  })
  async treeHead() {
    const head = await this.audit.heads.latest();
    if (!head) throw new NotFoundException('No tree head has been signed yet');
    return { treeHead: await this.withKey(head) };
  }

  @Get('audit/consistency')
  @ApiNotFoundResponse({ description: 'No tree head was signed for one of the sizes.' })
  @ApiOperation({
    summary: 'A consistency proof (RFC 9162 2.1.4) between two signed tree heads, given by their sizes',
    description: '1 <= from <= to (400 otherwise); 404 when no head was signed for either size.',
  })
  async consistency(@Query() query: ConsistencyQueryDto) {
    if (query.from > query.to) throw new BadRequestException('from must not be larger than to');
    const first = await this.audit.heads.forSize(query.from);
    const second = await this.audit.heads.forSize(query.to);
    if (!first || !second) {
      throw new NotFoundException(`No tree head was signed for size ${!first ? query.from : query.to}`);
    }
    const log = await this.audit.log();
    return {
      first: await this.withKey(first),
      second: await this.withKey(second),
      proof: base64(await log.consistencyProof(query.from, query.to)),
    };
  }

  @Get('cases/:caseId/proof')
  @ApiOperation({
    summary: 'Inclusion proofs (RFC 9162 2.1.3) of each of the case’s events in a signed tree head',
    description:
      'Against the head for ?treeSize= (404 if none was signed for it), else the latest. Each event: eventId, ' +
      'revision, leafIndex, leafHash and inclusionPath (base64); the leaf is SHA-256(0x00 || leaf bytes) of the ' +
      'event as stored (libs/audit auditLeafBytes). Events the head does not cover yet are listed in notCovered.',
  })
  async caseProof(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Query() query: CaseProofQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    const head =
      query.treeSize === undefined ? await this.audit.heads.latest() : await this.audit.heads.forSize(query.treeSize);
    if (!head) {
      throw new NotFoundException(
        query.treeSize === undefined
          ? 'No tree head has been signed yet'
          : `No tree head was signed for size ${query.treeSize}`,
      );
    }
    const events = await this.store.readStream(caseStream(caseId));
    if (events.length === 0) throw new NotFoundException(`No case ${caseId}`);
    this.readLog.record([caseId], actor, 'GET /cases/{caseId}/proof');
    const found = await this.audit.inclusionProofs(events, head.treeSize);
    const proofs = [];
    const notCovered: string[] = [];
    for (const [index, event] of events.entries()) {
      const proof = found[index];
      if (!proof) {
        notCovered.push(event.revision.toString());
        continue;
      }
      proofs.push({
        eventId: event.id,
        revision: event.revision.toString(),
        leafIndex: proof.leafIndex,
        leafHash: leafHash(auditLeafBytes(event)).toString('base64'),
        inclusionPath: base64(proof.inclusionProof),
      });
    }
    return { caseId, treeHead: await this.withKey(head), proofs, notCovered };
  }

  @Get('cases/:caseId/export')
  @AllowRoles('auditor', 'caseworker')
  @ApiOperation({
    summary: 'A disclosure bundle of the case: its events as stored, proven in a signed tree head, and its timeline',
    description:
      'One JSON file (format marac-disclosure-bundle/1, laid out in the README) that `node libs/audit/verify-bundle.mjs ' +
      'bundle.json` checks offline: each event as stored (personal fields sealed) with its chain hash, leaf index and ' +
      'inclusion proof in the latest signed tree head (and its public key); the replay timeline as this reader may ' +
      'see it; and an HTML rendering of that timeline. For auditors with a reason (at least 10 characters) and the ' +
      'case’s own agency. Events recorded after the head are counted in notYetCovered. Recorded in the read log.',
  })
  async export(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Query() query: CaseExportQueryDto,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) response: Response,
  ) {
    const bundle = await this.queries.execute<GetCaseExport, DisclosureBundle>(
      new GetCaseExport(actor, caseId, query.reason),
    );
    response.setHeader('Content-Disposition', `attachment; filename="case-${caseId}-disclosure.json"`);
    return bundle;
  }

  private async withKey(head: SignedTreeHead) {
    return treeHeadJson(head, await this.audit.heads.publicKey(head.keyId));
  }
}
