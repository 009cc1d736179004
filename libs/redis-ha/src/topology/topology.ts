import { Cluster, type RedisOptions } from 'ioredis';
import type { HostPort } from '../config/connection.config';
import type { ConnectionRole } from '../config/connection-role';
import type Redis from 'ioredis';
import type { RedisHaConnectionError } from '../errors/redis-ha-connection.error';
import type { SendFence } from '../internals/ioredis';

/** What the library's connections are: one node's client, or (cluster mode) a client over every shard. */
export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Injection token of the module's `Topology`. */
export const REDIS_HA_TOPOLOGY = 'REDIS_HA:TOPOLOGY';

/** What a topology says of itself to health checks, metrics and startup errors. */
export interface TopologyDescription {
  kind: 'standalone' | 'sentinel' | 'cluster';
  /** The master (writer node) as last known, if the topology follows one. */
  master?: HostPort;
  /** Each sentinel by `host:port` and whether the topology's subscription to it is up (sentinel only). */
  sentinels?: ReadonlyMap<string, boolean>;
  /** Whether writes go through the write lease now (sentinel only); when not, since when (epoch ms). */
  writeLease?: { held: boolean; lostSince?: number; minority: boolean; reason?: string };
  /** Each shard's primary, replicas and slot ranges as the client last learned them (cluster only). */
  shards?: ReadonlyArray<ShardDescription>;
}

/** One shard of a Redis Cluster: the primary serving its slots and the replicas behind it. */
export interface ShardDescription {
  primary: HostPort;
  replicas: HostPort[];
  /** Inclusive slot ranges `[first, last]`. */
  slots: Array<[number, number]>;
}

/** What holds writes back on the minority side of a partition: the factory fences writer and producer clients. */
export interface WriteFence {
  readonly fence: SendFence;
  /** Flushes `client`'s held commands when the fence opens. */
  add(client: Redis): void;
  /** Resolves true once writes go through, false after `timeoutMs`. */
  whenHeld(timeoutMs: number): Promise<boolean>;
}

/**
 * How the module's connections find their nodes, and follow them when they change. One instance per module:
 * `StandaloneTopology` (one address) or `SentinelTopology` (asks the sentinels, holds writes through a failover
 * and publishes `RedisHaEvents`). Connections, cache, queues and health see only this interface, so a third
 * topology (Redis Cluster) plugs in here without touching them.
 */
export interface Topology {
  readonly kind: TopologyDescription['kind'];
  /**
   * A client for `role`: `options` are what every node connection of it gets (credentials, TLS, name, timeouts,
   * offline queue); the topology adds where it goes. A `Redis` for standalone and sentinel (at `route(role)`), a
   * `Cluster` over every shard in cluster mode. The connection factory bounds, watches and owns what it returns.
   */
  createClient(role: ConnectionRole, options: RedisOptions): RedisClient;
  /**
   * The part of a one-node connection's ioredis options that says where it goes: `host`/`port`, or a `Connector`
   * that resolves the node itself (and rides inside the options BullMQ turns into its own clients). Undefined in
   * cluster mode, where no one node serves a connection.
   */
  route(role: ConnectionRole): RedisOptions | undefined;
  /**
   * Why a connection could not start, when the node's own errors do not say (no sentinel answered, unknown
   * master name, ...): an error naming the setting to fix, or undefined to fall back to the generic message.
   */
  explainStartupFailure(prefix: string): Promise<RedisHaConnectionError | undefined>;
  /**
   * Where a connection goes that reads from a replica whatever `REDIS_READ_FROM` says (the cache's
   * `CACHE_READ_FROM`), or undefined when the topology has no replicas to offer (standalone).
   */
  replicaRoute(): RedisOptions | undefined;
  describe(): TopologyDescription;
  /** Holds writes while the topology cannot vouch for the master (Sentinel's write lease); absent otherwise. */
  readonly writeFence?: WriteFence;
  /** Stops following the topology (subscriptions, timers). Idempotent. */
  close(): Promise<void>;
}
