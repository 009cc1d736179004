import { HealthIndicatorService } from '@nestjs/terminus';
import type { FeatureParts } from '../cache/cache.providers';
import { RedisHaMetrics } from './redis-ha-metrics';
import { CacheHealthIndicator } from './cache.health';
import { QueueActivity } from './queue-activity';
import { QueueHealthIndicator } from './queue.health';
import { RedisHaHealth } from './redis-ha-health';
import { RedisHealthIndicator } from './redis.health';
import { ReplicationHealthIndicator } from './replication.health';
import { SentinelProbe } from './sentinel-probe';
import { SentinelHealthIndicator } from './sentinel.health';

const INDICATORS = [
  RedisHealthIndicator,
  SentinelHealthIndicator,
  ReplicationHealthIndicator,
  QueueHealthIndicator,
  CacheHealthIndicator,
  RedisHaHealth,
];

/**
 * Health indicators and metrics, provided by the root module (global by default) so apps can inject them in
 * their own health controller. `HealthIndicatorService` (a stateless helper of Terminus) is provided here too,
 * so the indicators work whether or not the app imports `TerminusModule`. The endpoints are opt-in:
 * `RedisHaHealthModule`.
 */
export function healthFeature(): FeatureParts {
  return {
    imports: [],
    providers: [HealthIndicatorService, SentinelProbe, QueueActivity, RedisHaMetrics, ...INDICATORS],
    exports: [RedisHaMetrics, SentinelProbe, ...INDICATORS],
  };
}
