// Public API of the health feature, re-exported by index.ts.
export { RedisHaHealthModule } from './redis-ha-health.module';
export { RedisHaHealthController } from './health.controller';
export { RedisHaHealth } from './redis-ha-health';
export { RedisHealthIndicator } from './redis.health';
export { SentinelHealthIndicator } from './sentinel.health';
export { ReplicationHealthIndicator } from './replication.health';
export { QueueHealthIndicator } from './queue.health';
export { CacheHealthIndicator } from './cache.health';
export { RedisHaMetrics } from './redis-ha-metrics';
export { RedisHaMetricsController } from './metrics.controller';
export { HealthCheckTimeoutError } from '../errors/health-check-timeout.error';
export { HealthProbeStuckError } from '../errors/health-probe-stuck.error';
