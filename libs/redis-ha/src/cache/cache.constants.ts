/** Token of the `CacheStoreLink` that lets `CACHE_MANAGER`'s store reach the cache store of this module. */
export const CACHE_STORE_LINK = 'REDIS_HA:CACHE_STORE_LINK';
/** Nest logger context of the cache. */
export const CACHE_LOGGER_CONTEXT = 'RedisHaCache';
