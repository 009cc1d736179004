import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { CacheMetrics } from './cache/cache-metrics';
import { CacheStatus } from './cache/cache-status';
import { connectionProviders } from './connection/connection.providers';
import { RedisHaConnectionFactory } from './connection/redis-ha-connection.factory';
import { environment } from './config/env-reader';
import { loadRedisHaConfig } from './config/load-config';
import type { RedisHaModuleOptions } from './config/redis-ha-options.interface';
import { RedisHaEvents } from './events/redis-ha-events';
import { QueueRegistry } from './queue/queue-registry';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, OPTIONS_TYPE } from './redis-ha.module-definition';
import { REDIS_HA_CONFIG, REDIS_HA_ENV, REDIS_HA_MODULE_OPTIONS, getRedisToken } from './redis-ha.constants';
import { topologyProvider } from './topology/topology.provider';
import { REDIS_HA_TOPOLOGY } from './topology/topology';

const CORE_PROVIDERS: Provider[] = [
  {
    provide: REDIS_HA_CONFIG,
    useFactory: (options: RedisHaModuleOptions) => loadRedisHaConfig(options),
    inject: [REDIS_HA_MODULE_OPTIONS],
  },
  {
    provide: REDIS_HA_ENV,
    useFactory: (options: RedisHaModuleOptions) => environment(options.env),
    inject: [REDIS_HA_MODULE_OPTIONS],
  },
  RedisHaEvents,
  topologyProvider,
  RedisHaConnectionFactory,
  // The features' shared state: filled by the cache and queue modules, read by health and metrics, so each
  // of those works whichever features an app adds.
  CacheStatus,
  CacheMetrics,
  QueueRegistry,
];

/**
 * The core of Redis high availability for Nest: configuration, the topology (standalone or Sentinel), the
 * connections (`@InjectRedis()`), failover events and their lifecycle. Its only peers are @nestjs/common,
 * @nestjs/core and ioredis. The cache (`nestjs-redis-ha/cache`), queues (`nestjs-redis-ha/queue`) and health
 * and metrics (`nestjs-redis-ha/health`) are modules an app adds next to it.
 */
@Module({})
export class RedisHaModule extends ConfigurableModuleClass {
  /** Options from the environment, overridden by `options`. Extra connections are named in `options.connections`. */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return withCore(super.forRoot(options), Object.keys(options.connections ?? {}));
  }

  /**
   * Options from a factory (e.g. `ConfigService`), still merged over the environment. Extra connections must
   * be named here too (`connectionNames`), since providers are declared before the factory runs.
   */
  static override forRootAsync(
    options: typeof ASYNC_OPTIONS_TYPE & { connectionNames?: string[] },
  ): DynamicModule {
    return withCore(super.forRootAsync(options), options.connectionNames ?? []);
  }
}

function withCore(base: DynamicModule, extraConnections: readonly string[]): DynamicModule {
  return {
    ...base,
    providers: [...(base.providers ?? []), ...CORE_PROVIDERS, ...connectionProviders(extraConnections)],
    exports: [
      REDIS_HA_CONFIG,
      REDIS_HA_ENV,
      REDIS_HA_TOPOLOGY,
      RedisHaEvents,
      RedisHaConnectionFactory,
      CacheStatus,
      CacheMetrics,
      QueueRegistry,
      getRedisToken(),
      getRedisToken('reader'),
      ...extraConnections.map((n) => getRedisToken(n)),
    ],
  };
}
