import type { Provider } from '@nestjs/common';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { RedisHaEvents } from '../events/redis-ha-events';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { ClusterTopology } from './cluster/cluster-topology';
import { SentinelTopology } from './sentinel/sentinel-topology';
import { StandaloneTopology } from './standalone/standalone-topology';
import { REDIS_HA_TOPOLOGY, type Topology } from './topology';

/** The module's `Topology`, chosen by `REDIS_MODE` (or implied by `REDIS_SENTINEL_HOSTS` / `REDIS_CLUSTER_NODES`). */
export const topologyProvider: Provider = {
  provide: REDIS_HA_TOPOLOGY,
  useFactory: (config: RedisHaConfig, events: RedisHaEvents): Topology => {
    const { mode } = config.connection;
    if (mode === 'sentinel') return new SentinelTopology(config.connection, events).start();
    if (mode === 'cluster') return new ClusterTopology(config.connection, events);
    return new StandaloneTopology(config.connection);
  },
  inject: [REDIS_HA_CONFIG, RedisHaEvents],
};
