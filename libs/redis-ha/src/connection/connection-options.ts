import type { RedisOptions } from 'ioredis';
import type { ConnectionConfig, HostPort } from '../config/connection.config';
import type { ConnectionRole } from './connection-role';

type ConnectorClass = NonNullable<RedisOptions['Connector']>;

/** The `Connector` classes of the module's `SentinelMonitor` (sentinel mode only). */
export interface RoleConnectors {
  master: ConnectorClass;
  replica: ConnectorClass;
}

/**
 * Reconnect quickly and forever. ioredis' default backs off to 2 s and adds ~1.5 s to every failover
 * (FINDINGS); the failover gate, not the backoff, is what keeps reconnects from hammering a master being replaced.
 */
export const reconnectDelay = (times: number): number => Math.min(times * 50, 500);

/**
 * Errors that mean "this node cannot take the write now, another one will": reconnect through the sentinels
 * and resend the command (bounded by the command timeout).
 * - `READONLY`: we reached a replica (a demoted master).
 * - `NOREPLICAS`: with `min-replicas-to-write`, a master without a good replica refuses writes before running
 *   them: a master promoted a moment ago (its replicas attach ~1 s after the switch) or an orphaned old master.
 *   Resending is safe (nothing ran) and turns ~1 s of failed writes after every failover into a short wait.
 */
export function reconnectOnError(err: Error): boolean | 1 | 2 {
  return err.message.startsWith('READONLY') || err.message.startsWith('NOREPLICAS') ? 2 : false;
}

/** Per role, the options that differ; each choice says why. */
function roleOptions(config: ConnectionConfig, role: ConnectionRole): RedisOptions {
  switch (role) {
    case 'writer':
    case 'reader':
      // Queue during a failover instead of failing (maxRetriesPerRequest: null); the command timeout bounds
      // every command, including the wait in the offline queue, so nothing hangs.
      return {
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        commandTimeout: config.commandTimeoutMs,
        keyPrefix: config.keyPrefix || undefined,
      };
    case 'producer':
      // Fail fast: a producer (BullMQ Queue, an HTTP handler) should answer "try later", not wait out a failover.
      return { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: config.commandTimeoutMs };
    case 'blocking':
    case 'subscriber':
      // Blocking commands (BZPOPMIN, XREAD BLOCK) and Pub/Sub wait by design: no command timeout, never give up
      // (BullMQ requires maxRetriesPerRequest: null for its workers and QueueEvents).
      return { enableOfflineQueue: true, maxRetriesPerRequest: null };
  }
}

/** ioredis options for one connection of `role`, named `<clientName>:<name>` in `CLIENT LIST`. */
export function buildRedisOptions(
  config: ConnectionConfig,
  role: ConnectionRole,
  name: string,
  connectors?: RoleConnectors,
): RedisOptions {
  const common: RedisOptions = {
    username: config.username,
    password: config.password,
    db: config.db,
    tls: config.tls ? { ...config.tls } : undefined,
    connectionName: `${config.clientName}:${name}`,
    connectTimeout: config.connectTimeoutMs,
    lazyConnect: true,
    retryStrategy: reconnectDelay,
    reconnectOnError,
    ...roleOptions(config, role),
  };
  if (config.mode === 'standalone') return { ...common, host: config.host, port: config.port };
  if (!connectors) throw new Error('sentinel mode needs the SentinelMonitor connectors');
  const readsReplicas = role === 'reader' && config.readFrom !== 'master';
  return {
    ...common,
    // Read by our HaConnector, which resolves nodes through the module's shared SentinelResolver.
    role: readsReplicas ? 'slave' : 'master',
    Connector: readsReplicas ? connectors.replica : connectors.master,
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
