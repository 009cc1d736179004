/** Injection token of the validated cache settings (`CacheConfig`: module options over `CACHE_*`). */
export const REDIS_HA_CACHE_CONFIG = 'REDIS_HA:CACHE_CONFIG';
/** Nest logger context of the cache. */
export const CACHE_LOGGER_CONTEXT = 'RedisHaCache';
