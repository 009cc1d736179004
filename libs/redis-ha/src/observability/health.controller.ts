import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { RedisHaHealth } from './redis-ha-health';

/**
 * `GET /health/live`, `GET /health/ready` and `GET /health`, mounted by `RedisHaHealthModule`. Readiness and
 * the detailed report answer 503 when an indicator is down, and readiness answers 503 (`shutting_down`) from
 * the moment the app receives SIGTERM, for `HEALTH_SHUTDOWN_DELAY_MS`, before connections close.
 */
@Controller('health')
export class RedisHaHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly checks: RedisHaHealth,
  ) {}

  /** 200 while the process serves HTTP. Never touches Redis: a Redis outage must not restart every pod at once. */
  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @HealthCheck()
  ready() {
    return this.health.check(this.checks.readiness());
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @HealthCheck()
  check() {
    return this.health.check(this.checks.detailed());
  }
}
