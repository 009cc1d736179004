import type { Provider } from '@nestjs/common';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { RedisHaEvents } from '../events/redis-ha-events';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { SentinelTopology } from './sentinel/sentinel-topology';
import { StandaloneTopology } from './standalone/standalone-topology';
import { REDIS_HA_TOPOLOGY, type Topology } from './topology';

/** The module's `Topology`, chosen by the configuration (`REDIS_SENTINEL_HOSTS` set: Sentinel). */
export const topologyProvider: Provider = {
  provide: REDIS_HA_TOPOLOGY,
  useFactory: (config: RedisHaConfig, events: RedisHaEvents): Topology =>
    config.connection.mode === 'sentinel'
      ? new SentinelTopology(config.connection, events).start()
      : new StandaloneTopology(config.connection),
  inject: [REDIS_HA_CONFIG, RedisHaEvents],
};
