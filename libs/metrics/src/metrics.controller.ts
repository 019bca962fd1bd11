import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@omega/core';
import { MetricsRegistry } from './metrics-registry';

/**
 * Public, as Prometheus scrapers expect: the labels are method, route template and status only (never an
 * object or tenant name, see HttpMetricsMiddleware), so nothing tenant-specific can leak from here.
 */
@Public()
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
