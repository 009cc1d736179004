// nestjs-redis-ha/health: health indicators for @nestjs/terminus and Prometheus metrics. Peers checked first,
// so a missing one fails with the package to install.
import { requirePeers } from '../peers/require-peers';

requirePeers('nestjs-redis-ha/health', ['@nestjs/terminus', 'prom-client']);

export {
  RedisHaHealthModule,
  RedisHaHealthIndicatorsModule,
  type RedisHaHealthModuleOptions,
} from './redis-ha-health.module';
export { REDIS_HA_HEALTH_CONFIG } from './observability.constants';
export type { HealthConfig } from '../config/health.config';
export { RedisHaHealthController } from './health.controller';
export { RedisHaHealth } from './redis-ha-health';
export { RedisHealthIndicator } from './redis.health';
export { SentinelHealthIndicator } from './sentinel.health';
export { ReplicationHealthIndicator } from './replication.health';
export { QueueHealthIndicator } from './queue.health';
export { CacheHealthIndicator } from './cache.health';
export { ClusterHealthIndicator } from './cluster.health';
export { RedisHaMetrics } from './redis-ha-metrics';
export { RedisHaMetricsController } from './metrics.controller';
export { HealthCheckTimeoutError } from '../errors/health-check-timeout.error';
export { HealthProbeStuckError } from '../errors/health-probe-stuck.error';
