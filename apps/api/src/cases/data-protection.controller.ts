import { JSONSchema } from 'class-validator-jsonschema';
import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { CommandBus } from '@nestjs/cqrs';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { londonDateOf, type CaseCommand } from '@app/case-domain';
import { APP_CONFIG, type AppConfig } from '@app/platform';
import { READ_MODEL_PROJECTIONS, type ReadModels, READ_MODELS } from '@app/read-models';
import { AllowRoles } from '../auth/actor.decorators';
import { CLOCK, type Clock, type RequestContext } from '../commands/command-context';
import { commandResponse, runCaseCommand } from '../http/command-response';
import { CommandContext } from '../http/request-context';
import { caseSummary } from '../queries/case-view';
import { ReadQueryDto } from '../queries/query.dtos';
import { awaitPosition } from '../queries/read-your-writes';
import { ErasureDto, LegalHoldDto, LiftLegalHoldDto } from './data-protection.dtos';
import { PersonalDataEraser } from './personal-data-eraser';

const CaseId = () => Param('caseId', new ParseUUIDPipe());

/**
 * The data-protection role's commands on a case: erase the person's data (destroying their key),
 * set or lift a legal hold. On any agency's case, open or closed; nobody else's.
 */
@Controller('cases/:caseId')
@AllowRoles('data_protection')
export class DataProtectionController {
  constructor(
    private readonly commands: CommandBus,
    private readonly eraser: PersonalDataEraser,
  ) {}

  /** 200 with the key destroyed and the digest of what became unreadable; the same answer when repeated. */
  @Post('erasure')
  @ApiOperation({ summary: "Erase the person's personal data (destroy their data key)" })
  async erase(
    @CaseId() caseId: string,
    @Body() body: ErasureDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    const erasure = await this.eraser.erase(caseId, body, context);
    response.status(200);
    return commandResponse(response, erasure.result, {
      caseId,
      erasure: {
        erasedOn: erasure.erasedOn,
        keyId: erasure.keyId,
        sealedFields: erasure.sealedFields,
        digest: erasure.digest,
      },
    });
  }

  @Post('legal-hold')
  @ApiOperation({ summary: 'Set a legal hold: keep the case out of erasure' })
  hold(
    @CaseId() caseId: string,
    @Body() body: LegalHoldDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.run(caseId, { type: 'SetLegalHold', reason: body.reason }, context, response);
  }

  @Post('legal-hold/lift')
  @ApiOperation({ summary: "Lift the case's legal hold" })
  lift(
    @CaseId() caseId: string,
    @Body() body: LiftLegalHoldDto,
    @CommandContext() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.run(caseId, { type: 'LiftLegalHold', reason: body.reason }, context, response);
  }

  private run(caseId: string, command: CaseCommand, context: RequestContext, response: Response) {
    return runCaseCommand(this.commands, caseId, command, context, response);
  }
}

/** `GET /erasure-reviews?limit=&after=`: `after` is the previous page's `next`. */
export class ErasureReviewQueryDto extends ReadQueryDto {
  @JSONSchema({ description: 'Page size (default 100).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @JSONSchema({ description: 'The next value of the previous page.' })
  @IsOptional()
  @Matches(/^\d{1,15}\/[0-9a-f-]{36}$/, { message: 'after must be the next value a previous page gave' })
  after?: string;
}

/**
 * The retention queue: cases whose review date under the retention policy has come (closed or
 * exited long enough ago), not erased and not under a legal hold, earliest first. Nothing is
 * erased because it is listed here: the data-protection role decides, case by case.
 */
@Controller('erasure-reviews')
@AllowRoles('data_protection', 'auditor')
export class ErasureReviewsController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The retention queue: cases due for an erasure review, earliest first' })
  async list(@Query() query: ErasureReviewQueryDto) {
    await awaitPosition(this.readModels, query.minPosition, [READ_MODEL_PROJECTIONS.caseView], this.config.readWaitMs);
    const today = londonDateOf(this.clock());
    const limit = query.limit ?? 100;
    const [due, caseId] = query.after?.split('/') ?? [];
    const page = await this.readModels.erasureReviews(Date.parse(`${today}T00:00:00Z`), {
      limit,
      ...(due && caseId ? { after: { due: Number(due), caseId } } : {}),
    });
    const shown = page.items.slice(0, limit);
    const views = await this.readModels.caseViews(shown.map((item) => item.caseId));
    const last = shown.at(-1);
    return {
      today,
      total: page.total,
      cases: shown.map((item) => {
        const view = views.get(item.caseId);
        return {
          ...(view ? caseSummary(view) : { caseId: item.caseId }),
          reviewDueOn: new Date(item.due).toISOString().slice(0, 10),
          closedOn: view?.domain.closedOn ?? null,
          exitedOn: view?.domain.exit?.exitedOn ?? null,
        };
      }),
      next: page.items.length > limit && last ? `${last.due}/${last.caseId}` : null,
    };
  }
}
