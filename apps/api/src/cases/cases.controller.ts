import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpStatus, Inject, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import {
  caseStream,
  ensurePreviousCaseMayBeLinked,
  PathwayRuleBroken,
  type Actor,
  type IdentifyPotentialVictim,
} from '@app/case-domain';
import type { CommandResult } from '@app/command-handling';
import { canonicalJson, idForIdempotencyKey, toDomainEvent } from '@app/command-handling';
import type { EventStore } from '@app/event-store';
import { EVENT_STORE } from '@app/platform';
import { AllowRoles, CurrentActor } from '../auth/actor.decorators';
import { commandResponse } from '../http/command-response';
import { CommandContext } from '../http/request-context';
import type { RequestContext } from '../commands/command-context';
import { caseCommands } from '../commands/case-commands';
import { IdentifyPotentialVictimDto } from './identify-potential-victim.dto';
import { PersonalDataOpener } from '../queries/personal-data-opener';
import { PersonalDataReads } from '../queries/personal-data-reads';
import { CaseReadLog } from '../queries/case-read-log';
import { CaseHistoryQueryDto, GetCaseHistory } from '../queries/case-history.query';
import { StreamPageQueryDto } from '../queries/query.dtos';

@Controller('cases')
export class CasesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly personalDataLog: PersonalDataReads,
    private readonly opener: PersonalDataOpener,
    private readonly readLog: CaseReadLog,
  ) {}

  /**
   * Opens a case. Creating the same case (same id, same identification) again is safe: the answer
   * is the first one (200 rather than 201) and nothing is written. So is sending the same
   * Idempotency-Key again, with or without a case id. A `previousCaseId` (a re-referral) must name
   * another case already identified, of any agency (422 otherwise, nothing written).
   */
  @Post()
  @ApiOperation({ summary: 'Identify a potential victim: open a case' })
  @AllowRoles('caseworker')
  async identify(
    @Body() body: IdentifyPotentialVictimDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    // A keyed create without a case id gets one derived from the key: a retry then finds the key.
    const caseId =
      body.caseId ??
      (context.idempotencyKey === undefined
        ? randomUUID()
        : idForIdempotencyKey(context.actor.agency.id, context.idempotencyKey));
    if (body.previousCaseId !== undefined) await this.ensurePreviousCase(caseId, body.previousCaseId);
    const command: IdentifyPotentialVictim = { type: 'IdentifyPotentialVictim', ...body, caseId };
    let result: CommandResult;
    try {
      result = await this.commands.execute(caseCommands.of(caseId, command, context));
    } catch (error) {
      const repeat =
        error instanceof PathwayRuleBroken &&
        error.rule === 'case-already-identified' &&
        (await this.sameIdentification(caseId, command, context.actor));
      if (!repeat) throw error;
      result = repeat;
    }
    response.status(result.replayed ? HttpStatus.OK : HttpStatus.CREATED).setHeader('Location', `/cases/${caseId}`);
    return commandResponse(response, result, { caseId });
  }

  /** The case's events in order, a page at a time, with who recorded each and when: for auditors and the case's own agency. */
  @Get(':caseId/history')
  @ApiOperation({ summary: "The case's events in order, a page at a time, with who recorded each and when" })
  @AllowRoles('auditor', 'caseworker')
  history(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Query() query: CaseHistoryQueryDto,
    @CurrentActor() actor: Actor,
  ) {
    return this.queries.execute(new GetCaseHistory(actor, caseId, query));
  }

  /**
   * Every read of this case (view, history, a MARAC agenda listing it), oldest first, a page at a
   * time: who, when, through which route, and why. For auditors.
   */
  @Get(':caseId/access-log')
  @ApiOperation({ summary: 'Every read of the case: who, when, through which route and why' })
  @AllowRoles('auditor')
  accessLog(@Param('caseId', new ParseUUIDPipe()) caseId: string, @Query() query: StreamPageQueryDto) {
    return this.readLog.page(caseId, query);
  }

  /** Who read this case's personal details, when and why: for auditors. */
  @Get(':caseId/personal-data-reads')
  @ApiOperation({ summary: "Who read the case's personal details, when and why" })
  @AllowRoles('auditor')
  async personalDataReads(@Param('caseId', new ParseUUIDPipe()) caseId: string) {
    return { caseId, reads: await this.personalDataLog.list(caseId) };
  }

  /**
   * The earlier case a re-referral names: read from its own stream (the source of truth, not a read
   * model). A case, once identified, stays so (erasure keeps its pathway), so the check cannot go stale.
   */
  private async ensurePreviousCase(caseId: string, previousCaseId: string): Promise<void> {
    const [first] =
      previousCaseId === caseId ? [] : await this.store.readStream(caseStream(previousCaseId), { maxCount: 1 });
    ensurePreviousCaseMayBeLinked(caseId, {
      caseId: previousCaseId,
      identified: first?.type === 'PotentialVictimIdentified',
    });
  }

  /** The stored identification, if it is exactly this one by the same agency: then a retry, not a clash. */
  private async sameIdentification(
    caseId: string,
    command: IdentifyPotentialVictim,
    actor: Actor,
  ): Promise<CommandResult | undefined> {
    const [first] = await this.store.readStream(caseStream(caseId), { maxCount: 1 });
    if (!first) return undefined;
    const { type: _type, ...fields } = command;
    // Compared opened (the stored fields are sealed), never shown: only the same agency's identical identification matches.
    const sealed = toDomainEvent(first).data;
    const { data: stored } = await this.opener.openEvent(
      caseId,
      { eventId: first.id, type: first.type, stream: first.stream },
      sealed,
    );
    // When it was entered differs between the first request and its retry: the facts must not.
    const { enteredAt: _enteredAt, ...facts } = stored as { enteredAt?: string };
    const asked = { ...fields, identifyingAgency: actor.agency.id };
    if (canonicalJson(facts) !== canonicalJson(asked)) return undefined;
    return {
      stream: caseStream(caseId),
      revision: first.revision,
      position: first.position,
      eventTypes: [first.type],
      replayed: true,
    };
  }
}
