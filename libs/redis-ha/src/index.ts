// nestjs-redis-ha: the core (configuration, topology, connections, events). Its only peers are @nestjs/common,
// @nestjs/core and ioredis. The features have entry points of their own: nestjs-redis-ha/cache,
// nestjs-redis-ha/queue and nestjs-redis-ha/health.
export * from './redis-ha.module';
export * from './redis-ha.constants';
export * from './config/redis-ha-options.interface';
export * from './config/connection.config';
export type { ConnectionOptions } from './config/parse-connection.config';
export type { Env } from './config/env-reader';
export { loadRedisHaConfig, loadAllSettings } from './config/load-config';
export * from './config/connection-role';
export * from './events/redis-ha-events';
export { RedisHaConnectionFactory } from './connection/redis-ha-connection.factory';
export { REDIS_HA_TOPOLOGY, type Topology, type TopologyDescription } from './topology/topology';
export * from './decorators/inject-redis.decorator';
export * from './errors/redis-ha-config.error';
export * from './errors/redis-ha-connection.error';
export * from './errors/command-timeout.error';
export { MissingPeerError } from './errors/missing-peer.error';
// The features' shared state, held by the core so health and metrics can read it whichever features exist.
export { CacheStatus, type CacheMode } from './cache/cache-status';
export { CacheMetrics, type CacheCounters } from './cache/cache-metrics';
export { QueueRegistry } from './queue/queue-registry';
