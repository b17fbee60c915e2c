import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Agency } from '@app/case-domain';
import { AGENCIES } from './auth.guard';

/**
 * `GET /agencies`: the partnership's configured agencies with their type, flags and single point
 * of contact, for anyone signed in deciding where to refer, share or transfer a case. Holds no
 * case and no personal data (a SPOC is a work user id or a team inbox id).
 */
@Controller('agencies')
export class AgenciesController {
  constructor(@Inject(AGENCIES) private readonly agencies: ReadonlyMap<string, Agency>) {}

  @Get()
  @ApiOperation({ summary: 'The configured agencies, each with its single point of contact (SPOC)' })
  list() {
    return {
      agencies: [...this.agencies.values()].map(({ id, type, firstResponder, dutyToNotify, spoc }) => ({
        id,
        type,
        firstResponder,
        dutyToNotify,
        spoc: spoc ?? null,
      })),
    };
  }
}
