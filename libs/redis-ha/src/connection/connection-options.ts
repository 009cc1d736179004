import type { RedisOptions } from 'ioredis';
import type { ConnectionConfig, HostPort } from '../config/connection.config';
import type { ConnectionRole } from './connection-role';

// Provisional: refined by the connection work (issue 3). Signature is stable.
export function buildRedisOptions(config: ConnectionConfig, role: ConnectionRole, name: string): RedisOptions {
  const blocking = role === 'blocking' || role === 'subscriber';
  const common: RedisOptions = {
    username: config.username,
    password: config.password,
    db: config.db,
    tls: config.tls ? { ...config.tls } : undefined,
    connectionName: `${config.clientName}:${name}`,
    connectTimeout: config.connectTimeoutMs,
    lazyConnect: true,
    maxRetriesPerRequest: blocking ? null : role === 'producer' ? 1 : null,
    enableOfflineQueue: role !== 'producer',
    commandTimeout: blocking ? undefined : config.commandTimeoutMs,
    keyPrefix: role === 'writer' || role === 'reader' ? config.keyPrefix || undefined : undefined,
  };
  if (config.mode === 'standalone') return { ...common, host: config.host, port: config.port };
  return {
    ...common,
    sentinels: config.sentinels,
    name: config.masterName,
    role: role === 'reader' && config.readFrom !== 'master' ? 'slave' : 'master',
    sentinelUsername: config.sentinelUsername,
    sentinelPassword: config.sentinelPassword,
    natMap: config.natMap,
    enableTLSForSentinelMode: !!config.tls,
    sentinelTLS: config.tls ? { ...config.tls } : undefined,
    sentinelRetryStrategy: () => 100,
    failoverDetector: true,
  };
}

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
