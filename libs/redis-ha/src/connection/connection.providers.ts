import { Logger, type Provider } from '@nestjs/common';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { DEFAULT_CONNECTION, READER_CONNECTION, REDIS_HA_CONFIG, getRedisToken } from '../redis-ha.constants';
import { abandonStartup } from './abandon-startup';
import { connectOrExplain } from './connect-or-explain';
import type { ConnectionRole } from '../config/connection-role';
import { RedisHaConnectionFactory } from './redis-ha-connection.factory';
import { REDIS_HA_TOPOLOGY, type RedisClient, type Topology } from '../topology/topology';

function clientProvider(name: string, role: (config: RedisHaConfig) => ConnectionRole): Provider {
  return {
    provide: getRedisToken(name),
    useFactory: async (
      config: RedisHaConfig,
      factory: RedisHaConnectionFactory,
      topology: Topology,
    ): Promise<RedisClient> => {
      // Cluster mode: an ioredis `Cluster` over every shard (same commands, routed per key).
      const client = factory.create(role(config), name);
      try {
        await connectOrExplain(client, config.connection, name, topology);
        await writesGoThrough(config, role(config), topology);
      } catch (err) {
        await abandonStartup(factory, topology);
        throw err;
      }
      return client;
    },
    inject: [REDIS_HA_CONFIG, RedisHaConnectionFactory, REDIS_HA_TOPOLOGY],
  };
}

/**
 * A writing connection is ready once the write lease (Sentinel) lets writes through, so the app's first writes do
 * not wait on it; a lease that does not come within the connect timeout (a master without replicas) is logged.
 */
async function writesGoThrough(
  config: RedisHaConfig,
  role: ConnectionRole,
  topology: Topology,
): Promise<void> {
  if (config.connection.lazyConnect || (role !== 'writer' && role !== 'producer') || !topology.writeFence)
    return;
  if (await topology.writeFence.whenHeld(config.connection.connectTimeoutMs)) return;
  new Logger('RedisHa').warn(
    `Writes are held: no replica acknowledged the master (or no majority of the sentinels named it) within ` +
      `REDIS_CONNECT_TIMEOUT_MS. A master without replicas needs REDIS_WRITE_LEASE_MS=0.`,
  );
}

/** The writer, the reader, and one provider per extra connection named in `forRoot({ connections })`. */
export function connectionProviders(extraNames: readonly string[]): Provider[] {
  return [
    clientProvider(DEFAULT_CONNECTION, () => 'writer'),
    clientProvider(READER_CONNECTION, () => 'reader'),
    ...extraNames.map((name) =>
      clientProvider(name, (c) => c.connection.connections[name]?.role ?? 'writer'),
    ),
  ];
}
