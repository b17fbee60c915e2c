import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces } from '@nestjs/swagger';
import { AllowRoles } from '../auth/actor.decorators';
import { Metrics } from './metrics';

/**
 * Prometheus metrics, for the admin role: on the api's own port and behind the same bearer tokens
 * as every route, so there is no second listener to bind, expose and firewall (Prometheus sends the
 * token: `authorization: { credentials_file: ... }` in its scrape config).
 */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @AllowRoles('admin')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format), for the admin role' })
  @ApiProduces('text/plain')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
