import type { RedisOptions } from 'ioredis';
import type { ConnectionConfig } from '../config/connection.config';
import type { ConnectionRole } from '../config/connection-role';

/**
 * Reconnect quickly and forever. ioredis' default backs off to 2 s and adds ~1.5 s to every failover
 * (docs/failover-findings.md#raw-ioredis-through-a-failover); the failover gate, not the backoff, is what
 * keeps reconnects from hammering a master being replaced.
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
      // BullMQ's Queue: rides a failover like the writer (adds issued during the switch wait and succeed; failing
      // them fast cost ~330 failed adds per SIGKILL in bench:queue), bounded by the command timeout, whose
      // "not sent" rejection guarantees the add did not happen. No keyPrefix: BullMQ has its own prefix.
      // Reconnects on READONLY only: NOREPLICAS is retried by the queue itself (RedisHaQueue), since a reconnect
      // resends every add pipelined behind the refused one, and those the master ran would become second jobs.
      return {
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        commandTimeout: config.commandTimeoutMs,
        reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
      };
    case 'blocking':
    case 'subscriber':
      // Blocking commands (BZPOPMIN, XREAD BLOCK) and Pub/Sub wait by design: no command timeout, never give up
      // (BullMQ requires maxRetriesPerRequest: null for its workers and QueueEvents).
      return { enableOfflineQueue: true, maxRetriesPerRequest: null };
  }
}

/**
 * ioredis options for one connection of `role`, named `<clientName>:<name>` in `CLIENT LIST`: all but where it
 * goes, which the module's `Topology` adds (a host and port, a `Connector` that finds the node itself, or a
 * cluster's slot table).
 */
export function buildRedisOptions(
  config: ConnectionConfig,
  role: ConnectionRole,
  name: string,
): RedisOptions {
  return {
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
}
