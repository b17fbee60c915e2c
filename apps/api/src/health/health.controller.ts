import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { EventStoreHealthIndicator, RedisHealthIndicator } from '@app/platform';
import { ProjectionsHealthIndicator } from '@app/read-models';
import { Public } from '../auth/actor.decorators';

/**
 * `GET /health`: 200 when the event store and Redis answer and every projection runs; 503 (naming
 * which) when not: a projection stopped at an event, or a read model being rebuilt from the start
 * (Redis emptied), with how far it has come. `GET /health/ping`: 200.
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly eventStore: EventStoreHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly projections: ProjectionsHealthIndicator,
  ) {}

  /** Liveness without touching a dependency; also the benchmarks' trivial-endpoint baseline. */
  @Get('ping')
  @ApiOperation({ summary: 'Liveness: answers 200 without touching a dependency' })
  ping() {
    return { ok: true };
  }

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the event store, Redis and every projection (503 naming what is down)' })
  async check(@Res({ passthrough: true }) response: Response) {
    try {
      return await this.health.check([
        () => this.eventStore.check(),
        () => this.redis.check(),
        () => this.projections.check(),
      ]);
    } catch (error) {
      // Terminus reports a failed check as a 503 carrying the full report; answer with that report
      // (which dependency is down, and why) rather than letting it become a generic problem.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse();
    }
  }
}
