import type { RedisOptions } from 'ioredis';
import type { ConnectionConfig, HostPort } from '../../config/connection.config';

/**
 * A direct connection to one Redis node with the app's ACL user and TLS, named `<clientName>:<name>`, for the
 * topology's own watches (not the app's connections: those come from the connection factory).
 */
export function buildNodeOptions(config: ConnectionConfig, node: HostPort, name: string): RedisOptions {
  return {
    host: node.host,
    port: node.port,
    username: config.username,
    password: config.password,
    tls: config.tls ? { ...config.tls } : undefined,
    connectionName: `${config.clientName}:${name}`,
    connectTimeout: config.connectTimeoutMs,
  };
}

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
