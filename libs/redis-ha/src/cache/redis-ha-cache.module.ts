import { CACHE_MANAGER, Cache } from '@nestjs/cache-manager';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { createCache } from 'cache-manager';
import type { Env } from '../config/env-reader';
import { parseCacheConfig, type CacheConfig } from '../config/cache.config';
import { loadSection } from '../config/load-config';
import { REDIS_HA_ENV } from '../redis-ha.constants';
import { REDIS_HA_CACHE_CONFIG } from './cache.constants';
import { createCacheKeyv } from './keyv-store';
import { withDirectManagerPaths } from './manager-direct';
import { RedisHaCache } from './redis-ha-cache';
import { RedisHaCacheStore } from './redis-ha-cache-store';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
  REDIS_HA_CACHE_OPTIONS,
  type RedisHaCacheModuleOptions,
} from './redis-ha-cache.module-definition';

/** @nestjs/cache-manager options that have no meaning over the HA store; refused rather than ignored. */
const UNSUPPORTED = ['stores', 'store', 'namespace', 'refreshThreshold', 'nonBlocking'];

function cacheSettings(env: Env, options: RedisHaCacheModuleOptions): CacheConfig {
  const {
    ttl,
    isGlobal: _g,
    imports: _i,
    extraProviders: _e,
    ...rest
  } = options as RedisHaCacheModuleOptions & Record<string, unknown>;
  const given = { ...rest } as Partial<CacheConfig> & Record<string, unknown>;
  return loadSection(env, (reader) => {
    for (const key of UNSUPPORTED.filter((k) => k in given)) {
      reader.fail(
        `RedisHaCacheModule.register({ ${key} })`,
        'not supported: the store is the HA Redis store',
      );
      delete given[key];
    }
    if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 1 && ttl <= 31_536_000_000)) {
      reader.fail(
        'RedisHaCacheModule.register({ ttl })',
        'must be a whole number of milliseconds, 1 or more',
      );
    } else if (ttl !== undefined) given.ttlSeconds = ttl / 1000;
    return parseCacheConfig(reader, given);
  });
}

const PROVIDERS: Provider[] = [
  {
    provide: REDIS_HA_CACHE_CONFIG,
    useFactory: cacheSettings,
    inject: [REDIS_HA_ENV, REDIS_HA_CACHE_OPTIONS],
  },
  RedisHaCacheStore,
  RedisHaCache,
  // The cache-manager that `CACHE_MANAGER`, `CacheInterceptor`, `@CacheKey` and `@CacheTTL` use, with the HA
  // store as its only store, exactly as @nestjs/cache-manager's `CacheModule` would build it; its get/set
  // straight to that store while no app listens to their events (manager-direct.ts).
  {
    provide: CACHE_MANAGER,
    useFactory: (store: RedisHaCacheStore) => {
      const keyv = createCacheKeyv(store);
      return withDirectManagerPaths(createCache({ stores: [keyv] }), keyv);
    },
    inject: [RedisHaCacheStore],
  },
  { provide: Cache, useExisting: CACHE_MANAGER },
];

/**
 * The cache over the HA connections, registered like @nestjs/cache-manager's `CacheModule` and in its place:
 * `CACHE_MANAGER` and `CacheInterceptor` work unchanged, plus `RedisHaCache` (namespaces, hit/miss/fallback
 * results, stampede protection, durable writes). Not global unless `isGlobal: true`, as there. With the cache
 * off (`CACHE_ENABLED=false`) the same providers exist and store nothing, so apps need no other change.
 */
@Module({ providers: PROVIDERS, exports: [CACHE_MANAGER, Cache, RedisHaCache, RedisHaCacheStore] })
export class RedisHaCacheModule extends ConfigurableModuleClass {
  /** Settings from `options`, then `CACHE_*`, then the defaults. */
  static override register(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.register(options);
  }

  /** Settings from a factory, `useClass` or `useExisting` (`createCacheOptions()`), then `CACHE_*`. */
  static override registerAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.registerAsync(options);
  }
}
