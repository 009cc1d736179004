import type { Cluster } from 'ioredis';
import { loadAllSettings } from '../config/load-config';
import { loadRedisHaConfig } from '../config/load-config';
import type { CacheConfig } from '../config/cache.config';
import { RedisHaConnectionFactory } from '../connection/redis-ha-connection.factory';
import { RedisHaEvents } from '../events/redis-ha-events';
import { ClusterTopology } from '../topology/cluster/cluster-topology';
import { CacheConnections } from './cache-connections';

/** The cache's connections over a cluster config; the clients are real `Cluster`s that never connect here. */
function onCluster(cache: Partial<CacheConfig>, env: Record<string, string> = {}) {
  const fullEnv = { REDIS_CLUSTER_NODES: '127.0.0.1:1', REDIS_KEY_PREFIX: 'app:', ...env };
  const root = loadRedisHaConfig({ env: fullEnv });
  const config = loadAllSettings(fullEnv, { cache }).cache;
  const events = new RedisHaEvents();
  const topology = new ClusterTopology(root.connection, events);
  const factory = new RedisHaConnectionFactory(root, events, topology);
  const connections = new CacheConnections(factory, root.connection, config, topology);
  return { connections, close: () => factory.onApplicationShutdown() };
}

describe('CacheConnections on a cluster', () => {
  it('are Clusters without REDIS_KEY_PREFIX, auto-pipelined, tries bounded by half of CACHE_TIMEOUT_MS', async () => {
    const { connections, close } = onCluster({ timeoutMs: 500, readFrom: 'master' });
    try {
      const writer = connections.writer.client as Cluster;
      expect(connections.cluster).toBe(true);
      expect(writer.isCluster).toBe(true);
      expect(writer.options.keyPrefix).toBe('');
      expect(writer.options.enableAutoPipelining).toBe(true);
      expect(writer.options.maxRedirections).toBe(250 / 50);
      expect(writer.options.scaleReads).toBe('master');
      expect(connections.reader).toBeUndefined();
      const durable = connections.durable.client as Cluster;
      expect(durable.isCluster).toBe(true);
      expect(durable.options.enableAutoPipelining).toBe(false); // WAIT must not hold other commands
    } finally {
      connections.dispose();
      await close();
    }
  });

  it('CACHE_READ_FROM, not REDIS_READ_FROM, decides where the cache-reader reads', async () => {
    const replica = onCluster({ readFrom: 'replica' }, { REDIS_READ_FROM: 'master' });
    const preferred = onCluster({ readFrom: 'replica-preferred' }, { REDIS_READ_FROM: 'replica' });
    try {
      expect((replica.connections.reader!.client as Cluster).options.scaleReads).toBe('slave');
      const pick = (preferred.connections.reader!.client as Cluster).options.scaleReads;
      expect(typeof pick).toBe('function'); // a connected replica, else the primary
      expect((replica.connections.writer.client as Cluster).options.scaleReads).toBe('master');
    } finally {
      for (const { connections, close } of [replica, preferred]) {
        connections.dispose();
        await close();
      }
    }
  });
});
