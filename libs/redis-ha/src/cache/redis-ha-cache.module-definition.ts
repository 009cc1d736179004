import { ConfigurableModuleBuilder, type ModuleMetadata, type Provider } from '@nestjs/common';
import type { CacheConfig } from '../config/cache.config';

/**
 * Options of `RedisHaCacheModule.register()` / `registerAsync()`: @nestjs/cache-manager's `ttl` (milliseconds),
 * and the library's cache settings, each over its `CACHE_*` variable.
 */
export interface RedisHaCacheModuleOptions extends Partial<CacheConfig> {
  /**
   * Default TTL in milliseconds of an entry set without one, as in @nestjs/cache-manager. Unlike there, an entry
   * never lives forever: without `ttl` the default is `CACHE_TTL_SECONDS` (300 s). Overrides `ttlSeconds`.
   */
  ttl?: number;
}

/** Also what a `useClass` / `useExisting` factory returns, as @nestjs/cache-manager's `CacheOptionsFactory`. */
export interface RedisHaCacheOptionsFactory {
  createCacheOptions(): RedisHaCacheModuleOptions | Promise<RedisHaCacheModuleOptions>;
}

export const REDIS_HA_CACHE_OPTIONS = 'REDIS_HA:CACHE_OPTIONS';

export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<RedisHaCacheModuleOptions>({ optionsInjectionToken: REDIS_HA_CACHE_OPTIONS })
    .setClassMethodName('register')
    .setFactoryMethodName('createCacheOptions')
    .setExtras(
      {
        isGlobal: false,
        imports: [] as NonNullable<ModuleMetadata['imports']>,
        extraProviders: [] as Provider[],
      },
      (definition, extras) => ({
        ...definition,
        global: extras.isGlobal,
        imports: [...(definition.imports ?? []), ...extras.imports],
        providers: [...(definition.providers ?? []), ...extras.extraProviders],
      }),
    )
    .build();
