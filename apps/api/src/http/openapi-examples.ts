import {
  AssignCaseDto,
  ClosureDto,
  ConsentDeclinedDto,
  ConsentGivenDto,
  DecisionDto,
  DutyToNotifyDto,
  ExitDto,
  FollowUpDto,
  FoundDto,
  MaracReferralDto,
  MissingDto,
  NoteDto,
  NrmReferralDto,
  PlacementEndDto,
  PlacementMoveDto,
  PlacementRequestDto,
  PlacementReviewDto,
  PlacementStartDto,
  ReconsiderationDecisionDto,
  ReconsiderationRequestDto,
  ReopeningDto,
  RiskAssessmentDto,
  ShareAnswerDto,
  ShareDeclineDto,
  ShareDto,
  ShareRevocationDto,
  SupportStartDto,
  TransferAnswerDto,
  TransferDeclineDto,
  TransferRequestDto,
} from '../cases/case-action.dtos';
import { ErasureDto, LegalHoldDto, LiftLegalHoldDto } from '../cases/data-protection.dtos';
import { IdentifyPotentialVictimDto } from '../cases/identify-potential-victim.dto';
import {
  AgreeActionDto,
  CloseMeetingDto,
  CompleteActionDto,
  DiscussionDto,
  ListCaseDto,
  ScheduleMeetingDto,
} from '../marac/meeting.dtos';

/**
 * A realistic, synthetic example of every request body, by its DTO class: typed as the DTO (so a
 * renamed field or a closed-list value that no longer exists fails to compile), and checked against
 * the served schema by the OpenAPI e2e test. Names, places and references are invented.
 */
export const REQUEST_EXAMPLES = new Map<abstract new () => object, object>();

function example<T extends object>(dto: new () => T, value: T): void {
  REQUEST_EXAMPLES.set(dto, value);
}

const CASE_ID = '3f6c2b1e-8d4a-4c7e-9b2f-5a1d0e6c7b84';
const OTHER_CASE_ID = '9a0e4d2c-1b7f-4e3a-8c5d-6f2b1a0e9d37';

example(IdentifyPotentialVictimDto, {
  caseId: CASE_ID,
  identifiedOn: '2026-03-02',
  location: 'Car wash, Synthetic Road, Westbridge',
  encounterContext: 'police_operation',
  indicators: ['withheld_documents', 'debt_bondage', 'excessive_hours'],
  exploitationTypes: ['labour'],
  child: false,
  nationality: 'Testland',
  area: 'West',
  personal: {
    name: 'Synthetic Person',
    aliases: ['S. Person'],
    dateOfBirth: '1994-07-15',
    contact: 'Mobile 07700 900123 (synthetic)',
  },
});
example(AssignCaseDto, { caseworkerId: 'cw-synthetic-017', agency: 'police' });
example(ConsentGivenDto, { givenOn: '2026-03-03', language: 'Testlandic', interpreterUsed: true });
example(ConsentDeclinedDto, { declinedOn: '2026-03-03', language: 'English', interpreterUsed: false });
example(DutyToNotifyDto, { submittedOn: '2026-03-04', reference: 'DTN-2026-000123' });
example(NrmReferralDto, {
  submittedOn: '2026-03-04',
  competentAuthority: 'single_competent_authority',
  reference: 'NRM-2026-004512',
});
example(DecisionDto, { outcome: 'positive', decidedOn: '2026-03-09' });
example(ReconsiderationRequestDto, { decision: 'reasonable_grounds', requestedOn: '2026-03-20' });
example(ReconsiderationDecisionDto, { decision: 'reasonable_grounds', outcome: 'positive', decidedOn: '2026-04-02' });
example(PlacementRequestDto, { requestedOn: '2026-03-04', emergencyOutsideNrm: false });
example(PlacementStartDto, {
  placementId: '5d2e7a90-3c1b-4f6e-a8d7-2b9c0e1f4a63',
  startedOn: '2026-03-05',
  provider: 'Synthetic Safe Housing Trust',
  address: 'Flat 2, 10 Example Street, Westbridge WB1 2XX',
  emergencyOutsideNrm: false,
});
example(PlacementMoveDto, {
  movedOn: '2026-04-12',
  provider: 'Synthetic Safe Housing Trust',
  address: '4 Sample Close, Eastford EF3 4YY',
});
example(PlacementReviewDto, { reviewedOn: '2026-04-05', outcome: 'continue' });
example(PlacementEndDto, { endedOn: '2026-06-30', reason: 'moved_on' });
example(SupportStartDto, { startedOn: '2026-07-01', provider: 'Synthetic Outreach Service' });
example(ExitDto, { exitedOn: '2026-07-31', reason: 'support_completed' });
example(FollowUpDto, {
  completedOn: '2026-08-30',
  outcome: 'stable',
  situation: {
    contact: 'in_contact',
    accommodation: 'settled',
    workOrEducation: 'education_or_training',
    healthSupport: 'receiving',
    exploitation: 'not_at_risk',
    immigrationStatus: 'unresolved',
  },
});
example(MissingDto, { reportedOn: '2026-03-15' });
example(FoundDto, { foundOn: '2026-03-17' });
example(RiskAssessmentDto, {
  level: 'high',
  assessedOn: '2026-03-06',
  rationale: 'Exploiters still in contact through a relative; debt said to be outstanding.',
});
example(MaracReferralDto, {
  referredOn: '2026-03-06',
  reason: 'High risk of re-exploitation; needs a multi-agency safety plan.',
});
example(NoteDto, {
  noteId: '7b1c9e2d-4a6f-4d8e-b3c0-1e5f2a9d8c46',
  text: 'Attended the appointment with an interpreter; next visit booked.',
});
example(ClosureDto, { closedOn: '2026-09-01', reason: 'support_ended' });
example(ReopeningDto, { reopenedOn: '2026-09-20', reason: 'New concerns raised by the outreach service.' });
example(ShareDto, {
  shareId: '2c8d4f6a-0e1b-4a3c-9d7e-5b6a8c0f1e29',
  withAgency: 'health',
  purpose: 'health_care',
  legalBasis: 'public_task_safeguarding',
  scope: 'summary_and_personal',
  expiresOn: '2026-09-30',
  consent: 'given',
});
example(ShareAnswerDto, { shareId: '2c8d4f6a-0e1b-4a3c-9d7e-5b6a8c0f1e29' });
example(ShareDeclineDto, {
  shareId: '2c8d4f6a-0e1b-4a3c-9d7e-5b6a8c0f1e29',
  reason: 'Not registered with a practice in our area.',
});
example(ShareRevocationDto, {
  shareId: '2c8d4f6a-0e1b-4a3c-9d7e-5b6a8c0f1e29',
  reason: 'The purpose of the share has been met.',
});
example(TransferRequestDto, {
  transferId: 'e4a7c1d3-9b2f-4e6a-8c0d-3f5b7a9e1c28',
  toAgency: 'la-adult-services',
  reason: 'The person has moved to supported housing in the council area.',
});
example(TransferAnswerDto, { transferId: 'e4a7c1d3-9b2f-4e6a-8c0d-3f5b7a9e1c28' });
example(TransferDeclineDto, {
  transferId: 'e4a7c1d3-9b2f-4e6a-8c0d-3f5b7a9e1c28',
  reason: 'The person lives outside our area.',
});
example(ErasureDto, { reason: 'data_subject_request', legalBasis: 'art17_1a_no_longer_necessary' });
example(LegalHoldDto, { reason: 'criminal_proceedings' });
example(LiftLegalHoldDto, { reason: 'proceedings_concluded' });
example(ScheduleMeetingDto, {
  meetingId: 'c9e2a4b6-1d3f-4a5c-8e7b-0f2d4c6a8e13',
  area: 'West',
  meetsOn: '2026-03-12',
  attendingAgencies: ['police', 'la-adult-services', 'health', 'housing'],
});
example(ListCaseDto, { caseId: CASE_ID });
example(DiscussionDto, {
  caseId: CASE_ID,
  riskLevel: 'high',
  decisions: ['Housing to find a move-on tenancy away from the area.', 'Police to flag the address.'],
});
example(AgreeActionDto, {
  actionId: '1e3a5c7e-9f2b-4d6a-8c1e-3b5d7f9a2c40',
  caseId: OTHER_CASE_ID,
  description: 'Find a move-on tenancy away from the area.',
  ownerAgency: 'housing',
  dueOn: '2026-03-26',
});
example(CompleteActionDto, { completedOn: '2026-03-24' });
example(CloseMeetingDto, { closedOn: '2026-03-12' });
