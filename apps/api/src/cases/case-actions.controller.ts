import { Body, Controller, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import type { CaseCommand } from '@app/case-domain';
import { AllowRoles } from '../auth/actor.decorators';
import { runCaseCommand } from '../http/command-response';
import { CommandContext } from '../http/request-context';
import {
  AssignCaseDto,
  ClosureDto,
  ConsentDto,
  DatedDto,
  DecisionDto,
  DutyToNotifyDto,
  ExitDto,
  FollowUpDto,
  MaracReferralDto,
  NoteDto,
  NrmReferralDto,
  PlacementEndDto,
  PlacementMoveDto,
  PlacementRequestDto,
  PlacementStartDto,
  ReconsiderationDecisionDto,
  ReconsiderationRequestDto,
  ReopeningDto,
  RiskAssessmentDto,
  SupportStartDto,
} from './case-action.dtos';
import type { RequestContext } from '../commands/command-context';

const CaseId = () => Param('caseId', new ParseUUIDPipe());

/**
 * One endpoint per command on an existing case, resource-style. Each answers 200 with the new
 * revision (also as ETag) and the global position written; `If-Match` makes it conditional,
 * `Idempotency-Key` makes a retry safe.
 */
@Controller('cases/:caseId')
@AllowRoles('caseworker')
export class CaseActionsController {
  constructor(private readonly commands: CommandBus) {}

  private run(caseId: string, command: CaseCommand, context: RequestContext, response: Response) {
    return runCaseCommand(this.commands, caseId, command, context, response);
  }

  @Post('assignment')
  assign(
    @CaseId() id: string,
    @Body() b: AssignCaseDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'AssignCase', ...b }, c, r);
  }

  @Post('consent')
  consent(
    @CaseId() id: string,
    @Body() b: ConsentDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(
      id,
      { type: 'RecordConsentGiven', givenOn: b.on, language: b.language, interpreterUsed: b.interpreterUsed },
      c,
      r,
    );
  }

  @Post('consent-declined')
  declined(
    @CaseId() id: string,
    @Body() b: ConsentDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(
      id,
      { type: 'RecordConsentDeclined', declinedOn: b.on, language: b.language, interpreterUsed: b.interpreterUsed },
      c,
      r,
    );
  }

  @Post('duty-to-notify')
  notify(
    @CaseId() id: string,
    @Body() b: DutyToNotifyDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'SubmitDutyToNotify', ...b }, c, r);
  }

  @Post('nrm-referral')
  refer(
    @CaseId() id: string,
    @Body() b: NrmReferralDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'SubmitNrmReferral', ...b }, c, r);
  }

  @Post('reasonable-grounds-decision')
  rg(
    @CaseId() id: string,
    @Body() b: DecisionDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'RecordReasonableGroundsDecision', ...b }, c, r);
  }

  @Post('conclusive-grounds-decision')
  cg(
    @CaseId() id: string,
    @Body() b: DecisionDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'RecordConclusiveGroundsDecision', ...b }, c, r);
  }

  @Post('reconsideration-request')
  reconsider(
    @CaseId() id: string,
    @Body() b: ReconsiderationRequestDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'RequestReconsideration', ...b }, c, r);
  }

  @Post('reconsideration-decision')
  reconsidered(
    @CaseId() id: string,
    @Body() b: ReconsiderationDecisionDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'RecordReconsiderationDecision', ...b }, c, r);
  }

  @Post('placement-request')
  requestPlacement(
    @CaseId() id: string,
    @Body() b: PlacementRequestDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'RequestSafeHousePlacement', ...b }, c, r);
  }

  @Post('placement')
  startPlacement(
    @CaseId() id: string,
    @Body() b: PlacementStartDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'StartSafeHousePlacement', ...b }, c, r);
  }

  @Post('placement/move')
  movePlacement(
    @CaseId() id: string,
    @Body() b: PlacementMoveDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'MoveSafeHousePlacement', ...b }, c, r);
  }

  @Post('placement/end')
  endPlacement(
    @CaseId() id: string,
    @Body() b: PlacementEndDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'EndSafeHousePlacement', ...b }, c, r);
  }

  @Post('outreach-support')
  outreach(
    @CaseId() id: string,
    @Body() b: SupportStartDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'StartOutreachSupport', ...b }, c, r);
  }

  @Post('move-on-support')
  moveOn(
    @CaseId() id: string,
    @Body() b: SupportStartDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'StartMoveOnSupport', ...b }, c, r);
  }

  @Post('exit')
  exit(
    @CaseId() id: string,
    @Body() b: ExitDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'RecordExit', ...b }, c, r);
  }

  @Post('follow-ups')
  followUp(
    @CaseId() id: string,
    @Body() b: FollowUpDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'CompleteFollowUp', ...b }, c, r);
  }

  @Post('missing')
  missing(
    @CaseId() id: string,
    @Body() b: DatedDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'ReportMissing', reportedOn: b.on }, c, r);
  }

  @Post('found')
  found(
    @CaseId() id: string,
    @Body() b: DatedDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'ReportFound', foundOn: b.on }, c, r);
  }

  @Post('risk-assessments')
  risk(
    @CaseId() id: string,
    @Body() b: RiskAssessmentDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'AssessRisk', ...b }, c, r);
  }

  @Post('marac-referrals')
  toMarac(
    @CaseId() id: string,
    @Body() b: MaracReferralDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'ReferToMarac', ...b }, c, r);
  }

  /** Also for panel members, on cases listed at a MARAC meeting their agency attends. */
  @Post('notes')
  @AllowRoles('caseworker', 'panel_member')
  note(
    @CaseId() id: string,
    @Body() b: NoteDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'AddNote', ...b }, c, r);
  }

  @Post('closure')
  close(
    @CaseId() id: string,
    @Body() b: ClosureDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'CloseCase', ...b }, c, r);
  }

  @Post('reopening')
  reopen(
    @CaseId() id: string,
    @Body() b: ReopeningDto,
    @CommandContext() c: RequestContext,
    @Res({ passthrough: true }) r: Response,
  ) {
    return this.run(id, { type: 'ReopenCase', ...b }, c, r);
  }
}
