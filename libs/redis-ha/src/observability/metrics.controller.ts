import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { RedisHaMetrics } from './redis-ha-metrics';

/** `GET /metrics` in the Prometheus text format, mounted by `RedisHaHealthModule`. */
@Controller('metrics')
export class RedisHaMetricsController {
  constructor(private readonly metrics: RedisHaMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async scrape(): Promise<string> {
    if (!this.metrics.enabled) throw new NotFoundException('Metrics are disabled (METRICS_ENABLED=false)');
    return this.metrics.metrics();
  }
}
