import { DynamicModule, Module } from '@nestjs/common';
import { CacheStatus } from './cache/cache-status';
import { cacheFeature } from './cache/cache.providers';
import { configProvider, connectionProviders } from './connection/connection.providers';
import { RedisHaConnectionFactory } from './connection/redis-ha-connection.factory';
import { RedisHaEvents } from './events/redis-ha-events';
import { topologyProvider } from './topology/topology.provider';
import { REDIS_HA_TOPOLOGY } from './topology/topology';
import { healthFeature } from './observability/health.providers';
import { QueueRegistry } from './queue/queue-registry';
import { RegisterQueueOptions, registerQueues } from './queue/register-queues';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, OPTIONS_TYPE } from './redis-ha.module-definition';
import { REDIS_HA_CONFIG, getRedisToken } from './redis-ha.constants';

/**
 * Redis high availability for Nest: Sentinel-aware connections (`@InjectRedis()`), the cache behind
 * `CACHE_MANAGER`, BullMQ queues (`registerQueue`), health indicators and metrics, from one configuration.
 */
@Module({})
export class RedisHaModule extends ConfigurableModuleClass {
  /** Options from the environment, overridden by `options`. Extra connections are named in `options.connections`. */
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return withFeatures(super.forRoot(options), Object.keys(options.connections ?? {}));
  }

  /**
   * Options from a factory (e.g. `ConfigService`), still merged over the environment. Extra connections must
   * be named here too (`connectionNames`), since providers are declared before the factory runs.
   */
  static override forRootAsync(
    options: typeof ASYNC_OPTIONS_TYPE & { connectionNames?: string[] },
  ): DynamicModule {
    return withFeatures(super.forRootAsync(options), options.connectionNames ?? []);
  }

  /** BullMQ queues on the HA connection: use them with `@InjectQueue(name)` and `@Processor(name)`. */
  static registerQueue(...queues: RegisterQueueOptions[]): DynamicModule {
    return registerQueues(queues);
  }
}

function withFeatures(base: DynamicModule, extraConnections: readonly string[]): DynamicModule {
  const features = [cacheFeature(), healthFeature()];
  const clients = connectionProviders(extraConnections);
  return {
    ...base,
    imports: [...(base.imports ?? []), ...features.flatMap((f) => f.imports)],
    providers: [
      ...(base.providers ?? []),
      configProvider,
      RedisHaEvents,
      topologyProvider,
      RedisHaConnectionFactory,
      QueueRegistry,
      CacheStatus,
      ...clients,
      ...features.flatMap((f) => f.providers),
    ],
    exports: [
      REDIS_HA_CONFIG,
      RedisHaEvents,
      REDIS_HA_TOPOLOGY,
      RedisHaConnectionFactory,
      QueueRegistry,
      CacheStatus,
      getRedisToken(),
      getRedisToken('reader'),
      ...extraConnections.map((n) => getRedisToken(n)),
      ...features.flatMap((f) => f.exports),
    ],
  };
}
