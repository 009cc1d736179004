import { CacheModule } from '@nestjs/cache-manager';
import type { DynamicModule, Provider } from '@nestjs/common';
import { CACHE_STORE_LINK } from './cache.constants';
import { CacheMetrics } from './cache-metrics';
import { CacheStoreLink } from './cache-store-link';
import { createCacheKeyv } from './keyv-store';
import { RedisHaCache } from './redis-ha-cache';
import { RedisHaCacheStore } from './redis-ha-cache-store';

// The root module spreads these into its definition.
export interface FeatureParts {
  imports: DynamicModule[];
  providers: Provider[];
  exports: Array<string | Provider | DynamicModule | (abstract new (...args: any[]) => unknown)>;
}

/**
 * `@nestjs/cache-manager`'s `CacheModule` (global, as apps register it today) whose only store is Keyv over the
 * HA cache store, plus the store, `RedisHaCache` and `CacheMetrics`. `CACHE_MANAGER`, `CacheInterceptor`,
 * `@CacheKey` and `@CacheTTL` keep working unchanged. With the cache off the same providers exist and store
 * nothing, so apps need no other change.
 */
export function cacheFeature(): FeatureParts {
  const link = new CacheStoreLink();
  return {
    imports: [
      CacheModule.registerAsync({ isGlobal: true, useFactory: () => ({ stores: [createCacheKeyv(link)] }) }),
    ],
    providers: [{ provide: CACHE_STORE_LINK, useValue: link }, CacheMetrics, RedisHaCacheStore, RedisHaCache],
    exports: [CacheMetrics, RedisHaCacheStore, RedisHaCache],
  };
}
