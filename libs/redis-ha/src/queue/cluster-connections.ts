import type { Cluster, ClusterOptions } from 'ioredis';
import type { RedisHaConnectionFactory } from '../connection/redis-ha-connection.factory';

/**
 * What a Worker or QueueEvents gets in cluster mode: a blocking-role `Cluster` of the connection factory, never
 * ioredis options (from options BullMQ would build a single-node `Redis`, which meets MOVED at the first key of
 * another shard: bullmq#1631). A Worker runs its commands on it (shared: BullMQ never closes it) and copies it
 * with `duplicate()` for its BZPOPMIN, under a name of its own; QueueEvents copies it for XREAD BLOCK
 * (internals/bullmq.spec.ts holds BullMQ to this). ioredis' `Cluster.duplicate()` is a fresh `Cluster` with the
 * same options but none of what the factory adds (its watch, the closing of connections to a dropped primary
 * that a frozen node needs, `master-changed`), so this one's `duplicate()` asks the factory for another, under
 * the name BullMQ gives it (`getWorkers()` finds the blocking connections by name). The copies are BullMQ's to
 * close with their worker; the factory closes them too on shutdown (closing twice is harmless).
 */
export function clusterConnection(factory: RedisHaConnectionFactory, name: string): Cluster {
  const template = factory.create('blocking', name) as Cluster;
  template.duplicate = (_startupNodes?: unknown, options?: ClusterOptions): Cluster => {
    const connectionName = options?.redisOptions?.connectionName;
    return factory.create('blocking', name, connectionName ? { connectionName } : {}) as Cluster;
  };
  return template;
}
