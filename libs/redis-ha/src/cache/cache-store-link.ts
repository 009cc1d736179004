import type { RedisHaCacheStore } from './redis-ha-cache-store';

/**
 * How `CACHE_MANAGER`'s store (built in `@nestjs/cache-manager`'s module, which cannot see this module's
 * providers when `RedisHaModule` is not global) reaches the cache store: `cacheFeature()` makes one link per
 * module, the store attaches itself when Nest creates it, and the Keyv adapter reads it at call time.
 */
export class CacheStoreLink {
  store?: RedisHaCacheStore;
}
