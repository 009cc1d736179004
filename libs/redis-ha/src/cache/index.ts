// nestjs-redis-ha/cache: the cache behind CACHE_MANAGER. Peers checked first, so a missing one fails with the
// package to install.
import { requirePeers } from '../peers/require-peers';

requirePeers('nestjs-redis-ha/cache', ['@nestjs/cache-manager', 'cache-manager', 'keyv']);

export { RedisHaCacheModule } from './redis-ha-cache.module';
export type {
  RedisHaCacheModuleOptions,
  RedisHaCacheOptionsFactory,
} from './redis-ha-cache.module-definition';
export { REDIS_HA_CACHE_CONFIG } from './cache.constants';
export type { CacheConfig } from '../config/cache.config';
export type { CacheFallback, CacheNamespaceConfig, CacheReadFrom } from '../config/cache.config';
export { CacheKeyError } from '../errors/cache-key.error';
export { CacheSerializationError } from '../errors/cache-serialization.error';
export { CacheValueTooLargeError } from '../errors/cache-value-too-large.error';
export { CacheMetrics, type CacheCounters } from './cache-metrics';
export type {
  CacheLookupStatus,
  CacheNamespace,
  CacheResult,
  CacheSetOptions,
  CacheWrapOptions,
} from './cache-namespace';
export { CacheStatus, type CacheMode } from './cache-status';
export type { DurableWriteResult } from './durable-write';
export { RedisHaCache } from './redis-ha-cache';
export type { CacheReadResult, CacheSource, CacheWriteResult } from './cache-results';
export { RedisHaCacheStore } from './redis-ha-cache-store';
