import type { Redis } from 'ioredis';
import { loadRedisHaConfig } from '../../config/load-config';
import { buildRedisOptions } from '../../connection/connection-options';
import type { ConnectionRole } from '../../config/connection-role';
import { buildClusterOptions } from './cluster-options';

const config = (env: Record<string, string> = {}) =>
  loadRedisHaConfig({ env: { REDIS_CLUSTER_NODES: 'a:7000', REDIS_KEY_PREFIX: 'app:', ...env } }).connection;

function optionsFor(role: ConnectionRole, env?: Record<string, string>) {
  const connection = config(env);
  return buildClusterOptions(connection, role, buildRedisOptions(connection, role, 'default'));
}

describe('ioredis Cluster options', () => {
  it('node connections carry credentials and name, never what the cluster owns (timeouts, prefix, db)', () => {
    const options = optionsFor('writer', { REDIS_USERNAME: 'app', REDIS_PASSWORD: 'pw' });
    expect(options.redisOptions).toMatchObject({
      username: 'app',
      password: 'pw',
      connectionName: 'nestjs-redis-ha:default',
    });
    for (const owned of [
      'commandTimeout',
      'keyPrefix',
      'db',
      'retryStrategy',
      'enableOfflineQueue',
      'reconnectOnError',
    ])
      expect(options.redisOptions).not.toHaveProperty(owned);
    expect(options.keyPrefix).toBe('app:'); // applied once, by the cluster client
  });

  it("node connections never reconnect: the cache's durable writes rely on one connection per node client", () => {
    for (const role of ['writer', 'reader'] as const) {
      expect(optionsFor(role).clusterNodeRetryStrategy).toBeUndefined();
      expect(optionsFor(role).redisOptions).not.toHaveProperty('retryStrategy');
    }
  });

  it('rides a failover within the command timeout instead of 16 redirections; refreshes slots itself', () => {
    const options = optionsFor('writer', { REDIS_COMMAND_TIMEOUT_MS: '5000' });
    expect(options.maxRedirections).toBeGreaterThanOrEqual(5000 / options.retryDelayOnFailover!);
    expect(options.slotsRefreshInterval).toBeGreaterThan(0);
    expect(options.slotsRefreshTimeout).toBeLessThan(1000);
  });

  it('REDIS_READ_FROM picks the nodes of the reader; writers always read the primary', () => {
    expect(optionsFor('writer', { REDIS_READ_FROM: 'replica' }).scaleReads).toBe('master');
    expect(optionsFor('reader', { REDIS_READ_FROM: 'master' }).scaleReads).toBe('master');
    expect(optionsFor('reader', { REDIS_READ_FROM: 'replica' }).scaleReads).toBe('slave');
    const preferred = optionsFor('reader', { REDIS_READ_FROM: 'replica-preferred' }).scaleReads as (
      nodes: Redis[],
    ) => Redis | Redis[];
    const node = (status: string) => ({ status }) as Redis;
    const [primary, up, down] = [node('ready'), node('ready'), node('reconnecting')];
    expect(preferred([primary, up, down])).toEqual([up]);
    expect(preferred([primary, down])).toBe(primary);
  });
});
