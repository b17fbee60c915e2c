import { IsIn } from 'class-validator';
import {
  ERASURE_LEGAL_BASES,
  ERASURE_REASONS,
  LEGAL_HOLD_LIFT_REASONS,
  LEGAL_HOLD_REASONS,
  type ErasureLegalBasis,
  type ErasureReason,
  type LegalHoldLiftReason,
  type LegalHoldReason,
} from '@app/case-domain';

// Closed lists only: what an erasure or a hold records must name no one.

export class ErasureDto {
  @IsIn(ERASURE_REASONS) reason!: ErasureReason;
  @IsIn(ERASURE_LEGAL_BASES) legalBasis!: ErasureLegalBasis;
}

export class LegalHoldDto {
  @IsIn(LEGAL_HOLD_REASONS) reason!: LegalHoldReason;
}

export class LiftLegalHoldDto {
  @IsIn(LEGAL_HOLD_LIFT_REASONS) reason!: LegalHoldLiftReason;
}
