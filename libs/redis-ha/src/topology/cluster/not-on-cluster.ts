import type { Provider } from '@nestjs/common';
import type { RedisHaConfig } from '../../config/redis-ha-options.interface';
import { RedisHaConfigError } from '../../errors/redis-ha-config.error';
import { REDIS_HA_CONFIG } from '../../redis-ha.constants';

/**
 * A feature module that does not run on Redis Cluster yet fails startup in cluster mode with this, instead of
 * connecting somewhere wrong: the cache and health/metrics are built on one master's connections (durable
 * writes, multi-key calls and the health probes are not cluster-aware yet). The queues run on Redis Cluster.
 */
export function notOnCluster(feature: string): Provider {
  return {
    provide: `REDIS_HA:${feature}:TOPOLOGY_CHECK`,
    useFactory: (config: RedisHaConfig) => {
      if (config.connection.mode !== 'cluster') return true;
      throw new RedisHaConfigError([
        `REDIS_MODE: is "cluster", where ${feature} does not run yet; in cluster mode the core's connections ` +
          `(@InjectRedis(), an ioredis Cluster) are available: remove ${feature} from the imports or use Sentinel ` +
          `(README, "Redis Cluster")`,
      ]);
    },
    inject: [REDIS_HA_CONFIG],
  };
}
