import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { RedisHaMetricsController } from './metrics.controller';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { RedisHaHealthController } from './health.controller';

/**
 * The ready-made endpoints: `GET /health/live`, `GET /health/ready`, `GET /health` and `GET /metrics`.
 * Import it next to `RedisHaModule.forRoot()` (which must stay global, the default: the indicators live there).
 * Terminus' graceful shutdown is configured from `HEALTH_SHUTDOWN_DELAY_MS`: on SIGTERM (with
 * `app.enableShutdownHooks()`) readiness says 503 for that long before the connections close.
 */
@Module({
  imports: [
    TerminusModule.forRootAsync({
      useFactory: (config: RedisHaConfig) => ({ gracefulShutdownTimeoutMs: config.health.shutdownDelayMs }),
      inject: [REDIS_HA_CONFIG],
    }),
  ],
  controllers: [RedisHaHealthController, RedisHaMetricsController],
})
export class RedisHaHealthModule {}
