import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis, { type Cluster, RedisOptions } from 'ioredis';
import type { HostPort } from '../config/connection.config';
import type { RedisHaConfig } from '../config/redis-ha-options.interface';
import { REDIS_HA_CONFIG } from '../redis-ha.constants';
import { assertIoredisInternals } from '../internals/ioredis-check';
import { enforceCommandDeadline, type ExpiredCommands } from './command-deadline';
import { watchConnection } from '../events/connection-events';
import { buildRedisOptions } from './connection-options';
import { buildSentinelOptions } from '../topology/sentinel/sentinel-options';
import type { ConnectionRole } from '../config/connection-role';
import { RedisHaEvents } from '../events/redis-ha-events';
import { REDIS_HA_TOPOLOGY, isCluster, type RedisClient, type Topology } from '../topology/topology';
import { enforceClusterDeadline } from './cluster-deadline';

/** Runs on every client the factory creates: each one-node `Redis`, and each `Cluster` as a whole (cluster mode). */
export type ClientHook = (
  client: RedisClient,
  role: ConnectionRole,
  name: string,
  expired?: ExpiredCommands,
) => void;

export interface OwnedClient {
  name: string;
  role: ConnectionRole;
  client: Redis;
  /** Commands its command timeout rejected; absent for roles without one (blocking, subscriber). */
  expired?: ExpiredCommands;
}

/** How long `quit()` may take on shutdown before the socket is simply closed. */
const QUIT_TIMEOUT_MS = 2000;

/**
 * Creates every ioredis client of the library from one configuration, per role, and owns them: the clients it
 * creates are closed on application shutdown (`quit()` within a bound, then `disconnect()`).
 */
@Injectable()
export class RedisHaConnectionFactory implements OnApplicationShutdown {
  private readonly owned: OwnedClient[] = [];
  private readonly clusters: Array<Omit<OwnedClient, 'client'> & { client: Cluster }> = [];
  private readonly hooks: ClientHook[] = [];

  constructor(
    @Inject(REDIS_HA_CONFIG) private readonly config: RedisHaConfig,
    private readonly events: RedisHaEvents,
    @Inject(REDIS_HA_TOPOLOGY) private readonly topology: Topology,
  ) {
    assertIoredisInternals(); // once per process: fails startup on an ioredis without the internals we use
  }

  /**
   * ioredis options for `role`. For a caller that creates its own clients (BullMQ from connection options):
   * it owns and closes them. They carry the topology's route (in sentinel mode, the failover-aware `Connector`).
   * Not in cluster mode, where a connection is a `Cluster` (`create()`), not options for one node.
   */
  options(role: ConnectionRole, name: string, overrides: RedisOptions = {}): RedisOptions {
    const route = this.topology.route(role);
    if (!route) {
      throw new Error(`Connection "${name}" needs one node, and REDIS_MODE=cluster has none to give it`);
    }
    return { ...route, ...buildRedisOptions(this.config.connection, role, name), ...overrides };
  }

  /** Options for a direct connection to one sentinel (health checks). */
  sentinelOptions(sentinel: HostPort, overrides: RedisOptions = {}): RedisOptions {
    return { ...buildSentinelOptions(this.config.connection, sentinel), ...overrides };
  }

  /**
   * A client for `role` from the topology (one node's `Redis`, or a `Cluster` in cluster mode), owned by the
   * factory and closed on application shutdown. Connects on first use. Every command of a writer, reader or
   * producer is bounded by `REDIS_COMMAND_TIMEOUT_MS` (over all its tries, on a cluster).
   */
  create(role: ConnectionRole, name: string, overrides: RedisOptions = {}): RedisClient {
    const { commandTimeout, ...options } = {
      ...buildRedisOptions(this.config.connection, role, name),
      ...overrides,
    };
    const client = this.topology.createClient(role, options);
    if (isCluster(client)) {
      const expired = commandTimeout ? enforceClusterDeadline(client, commandTimeout) : undefined;
      watchConnection(client, name, role, this.events); // the same events; no socket of its own
      this.clusters.push({ name, role, client, expired });
      for (const hook of this.hooks) hook(client, role, name, expired);
      return client;
    }
    // Writes wait out a lost write lease (Sentinel); reads, blocking and Pub/Sub connections do not.
    const fence = role === 'writer' || role === 'producer' ? this.topology.writeFence : undefined;
    const expired = commandTimeout ? enforceCommandDeadline(client, commandTimeout, fence?.fence) : undefined;
    if (expired) fence?.add(client);
    watchConnection(client, name, role, this.events);
    this.owned.push({ name, role, client, expired });
    for (const hook of this.hooks) hook(client, role, name, expired);
    return client;
  }

  /** A one-node client for `role` (`create()`'s, refused in cluster mode where a connection spans the shards). */
  createNode(role: ConnectionRole, name: string, overrides: RedisOptions = {}): Redis {
    if (this.topology.kind === 'cluster') {
      throw new Error(`Connection "${name}" needs one node, and REDIS_MODE=cluster has none to give it`);
    }
    return this.create(role, name, overrides) as Redis;
  }

  /** Runs `hook` on every client created so far and from now on (metrics instrument clients this way). */
  addClientHook(hook: ClientHook): void {
    this.hooks.push(hook);
    for (const { client, role, name, expired } of [...this.owned, ...this.clusters])
      hook(client, role, name, expired);
  }

  /** The clients the factory owns, for health checks and metrics. */
  clients(): ReadonlyArray<OwnedClient> {
    return this.owned;
  }

  async onApplicationShutdown(): Promise<void> {
    this.hooks.length = 0;
    await Promise.all([
      ...this.owned.splice(0).map((c) => closeClient(c.client)),
      ...this.clusters.splice(0).map((c) => closeClient(c.client)),
    ]);
  }
}

/** `quit()` within a bound, then `disconnect()`; listeners removed so nothing keeps the process alive. */
export async function closeClient(client: RedisClient, timeoutMs = QUIT_TIMEOUT_MS): Promise<void> {
  client.removeAllListeners('close'); // a planned close is not a lost connection
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([client.quit().catch(() => undefined), bound]);
    clearTimeout(timer);
  }
  client.disconnect(false);
  client.removeAllListeners();
}
