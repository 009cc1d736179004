// Public API of the cache feature, re-exported by index.ts.
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
