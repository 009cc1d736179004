import Redis, { RedisOptions } from 'ioredis';
import type { LocalCluster } from '../../tools/cluster/local-cluster';

/** Raw ioredis Sentinel options for `cluster` (ACL `app` user), with ioredis' defaults for everything else. */
export function rawSentinelOptions(cluster: LocalCluster): RedisOptions {
  const env = cluster.env();
  return {
    sentinels: cluster.sentinelPorts.map((port) => ({ host: cluster.host(port), port })),
    name: env.REDIS_MASTER_NAME,
    username: env.REDIS_USERNAME,
    password: env.REDIS_PASSWORD,
    sentinelUsername: env.REDIS_SENTINEL_USERNAME,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
  };
}

/** A raw ioredis Sentinel client with default options: the baseline every figure is compared with. */
export function rawSentinelClient(cluster: LocalCluster, extra: RedisOptions = {}): Redis {
  const client = new Redis({ ...rawSentinelOptions(cluster), ...extra });
  client.on('error', () => undefined);
  return client;
}
