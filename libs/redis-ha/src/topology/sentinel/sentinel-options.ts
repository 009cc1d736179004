import type { RedisOptions } from 'ioredis';
import type { ConnectionConfig, HostPort } from '../../config/connection.config';

/** A direct connection to one sentinel (commands or Pub/Sub), with the sentinels' own ACL user and TLS. */
export function buildSentinelOptions(config: ConnectionConfig, sentinel: HostPort): RedisOptions {
  return {
    host: sentinel.host,
    port: sentinel.port,
    username: config.sentinelUsername,
    password: config.sentinelPassword,
    tls: config.tls ? { ...config.tls } : undefined,
    connectTimeout: config.connectTimeoutMs,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  };
}
