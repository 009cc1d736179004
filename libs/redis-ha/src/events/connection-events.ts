import { Cluster, type Redis } from 'ioredis';
import type { ConnectionRole } from '../config/connection-role';
import { remoteEndpoint } from '../internals/ioredis';
import { RedisHaEvents } from './redis-ha-events';

/**
 * Turns a client's socket life into one `connection-lost` per outage and one `connection-restored` with the
 * downtime. ioredis' own 'error' events during a failover ("All sentinels are unreachable", ECONNREFUSED from
 * the dead master) are expected there and not echoed: the failover events say what happens.
 */
export function watchConnection(
  client: Redis | Cluster,
  name: string,
  role: ConnectionRole,
  events: RedisHaEvents,
): void {
  let lostAt: number | undefined;
  let everReady = false;
  client.on('error', () => undefined);
  client.on('close', () => {
    if (!everReady || lostAt !== undefined) return;
    lostAt = Date.now();
    events.emit({ type: 'connection-lost', connection: name, role, at: new Date(lostAt) });
  });
  client.on('ready', () => {
    everReady = true;
    if (lostAt === undefined) return;
    const downtimeMs = Date.now() - lostAt;
    lostAt = undefined;
    const remote = client instanceof Cluster ? undefined : remoteEndpoint(client); // a cluster has no one node
    const address = remote ? { host: remote.host, port: remote.port ?? 0 } : null;
    events.emit({ type: 'connection-restored', connection: name, role, address, downtimeMs, at: new Date() });
  });
}
