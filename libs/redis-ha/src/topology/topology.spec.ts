import { loadRedisHaConfig } from '../config/load-config';
import { RedisHaEvents } from '../events/redis-ha-events';
import { SentinelTopology } from './sentinel/sentinel-topology';
import { StandaloneTopology } from './standalone/standalone-topology';

describe('topologies', () => {
  it('standalone: every role goes to the one address; nothing to explain or close', async () => {
    const config = loadRedisHaConfig({ env: { REDIS_URL: 'redis://h:6380' } }).connection;
    const topology = new StandaloneTopology(config);
    expect(topology.route()).toEqual({ host: 'h', port: 6380 });
    expect(topology.describe()).toEqual({ kind: 'standalone', master: { host: 'h', port: 6380 } });
    await expect(topology.explainStartupFailure()).resolves.toBeUndefined();
    expect(topology.replicaRoute()).toBeUndefined(); // no replicas: the cache reads from the one server
    await expect(topology.close()).resolves.toBeUndefined();
  });

  it('sentinel: writers follow the master connector, readers the replica connector unless REDIS_READ_FROM=master', async () => {
    const env = { REDIS_SENTINEL_HOSTS: 's1:26379', REDIS_READ_FROM: 'replica' };
    // Not started: routes only, no subscription to the (fictitious) sentinel.
    const topology = new SentinelTopology(loadRedisHaConfig({ env }).connection, new RedisHaEvents());
    const writer = topology.route('writer');
    const reader = topology.route('reader');
    expect(writer).toEqual({ role: 'master', Connector: expect.any(Function) });
    expect(reader).toEqual({ role: 'slave', Connector: expect.any(Function) });
    expect(reader.Connector).not.toBe(writer.Connector);
    expect(topology.route('producer').Connector).toBe(writer.Connector);
    const masterOnly = new SentinelTopology(
      loadRedisHaConfig({ env: { ...env, REDIS_READ_FROM: 'master' } }).connection,
      new RedisHaEvents(),
    );
    expect(masterOnly.route('reader').role).toBe('master');
    // The cache's CACHE_READ_FROM reads a replica whatever REDIS_READ_FROM says.
    expect(topology.replicaRoute()).toEqual({ role: 'slave', Connector: reader.Connector });
    expect(masterOnly.replicaRoute().role).toBe('slave');
    expect(masterOnly.replicaRoute().Connector).not.toBe(masterOnly.route('writer').Connector);
    expect(topology.describe()).toEqual({ kind: 'sentinel', master: undefined, sentinels: new Map() });
    await topology.close();
    await masterOnly.close();
  });
});
