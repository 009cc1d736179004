import { loadRedisHaConfig } from '../config/load-config';
import { buildSentinelOptions } from '../topology/sentinel/sentinel-options';
import { buildRedisOptions, reconnectDelay, reconnectOnError } from './connection-options';

import { RedisHaEvents } from '../events/redis-ha-events';
import { SentinelTopology } from '../topology/sentinel/sentinel-topology';
import { StandaloneTopology } from '../topology/standalone/standalone-topology';

const env = {
  REDIS_SENTINEL_HOSTS: 's1:26379,s2:26379',
  REDIS_USERNAME: 'app',
  REDIS_PASSWORD: 'pw',
  REDIS_SENTINEL_USERNAME: 'sentinel-user',
  REDIS_SENTINEL_PASSWORD: 'spw',
  REDIS_KEY_PREFIX: 'app:',
  REDIS_COMMAND_TIMEOUT_MS: '3000',
  REDIS_TLS: 'true',
};
const config = loadRedisHaConfig({ env }).connection;
// Not started: routes only, no subscription to the (fictitious) sentinels.
const sentinel = new SentinelTopology(config, new RedisHaEvents());
const route =
  (c = config) =>
  (role: Parameters<SentinelTopology['route']>[0]) =>
    new SentinelTopology(c, new RedisHaEvents()).route(role);
const masterConnector = sentinel.route('writer').Connector;
const replicaConnector = sentinel.route('reader').Connector;

describe('ioredis options per role', () => {
  it('writer: queues through a failover, bounded by the command timeout, with the key prefix', () => {
    const o = { ...sentinel.route('writer'), ...buildRedisOptions(config, 'writer', 'default') };
    expect(o).toMatchObject({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: 3000,
      keyPrefix: 'app:',
      role: 'master',
      Connector: masterConnector,
      username: 'app',
      password: 'pw',
      connectionName: 'nestjs-redis-ha:default',
    });
    expect(o.tls).toBeDefined();
  });

  it('reader: replicas through the replica connector', () => {
    expect({ ...sentinel.route('reader'), ...buildRedisOptions(config, 'reader', 'reader') }).toMatchObject({
      role: 'slave',
      Connector: replicaConnector,
    });
    const masterOnly = loadRedisHaConfig({ env: { ...env, REDIS_READ_FROM: 'master' } }).connection;
    expect({
      ...route(masterOnly)('reader'),
      ...buildRedisOptions(masterOnly, 'reader', 'reader'),
    }).toMatchObject({
      role: 'master',
      Connector: expect.any(Function),
    });
  });

  it('producer: waits out a failover within the command timeout, no key prefix', () => {
    const o = { ...sentinel.route('producer'), ...buildRedisOptions(config, 'producer', 'queue') };
    expect(o).toMatchObject({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: config.commandTimeoutMs,
    });
    // NOREPLICAS is retried by RedisHaQueue, not by a reconnect that would resend the adds behind it.
    expect(o.reconnectOnError?.(new Error('NOREPLICAS Not enough good replicas to write.'))).toBe(false);
    expect(o.reconnectOnError?.(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(o.keyPrefix).toBeUndefined();
  });

  it('blocking and subscriber: no command timeout, never give up, no key prefix', () => {
    for (const role of ['blocking', 'subscriber'] as const) {
      const o = { ...sentinel.route(role), ...buildRedisOptions(config, role, 'worker') };
      expect(o).toMatchObject({ maxRetriesPerRequest: null, enableOfflineQueue: true });
      expect(o.commandTimeout).toBeUndefined();
      expect(o.keyPrefix).toBeUndefined();
    }
  });

  it('standalone: host and port, no connector', () => {
    const standalone = loadRedisHaConfig({ env: { REDIS_URL: 'redis://h:6380/2' } }).connection;
    const o = {
      ...new StandaloneTopology(standalone).route(),
      ...buildRedisOptions(standalone, 'writer', 'default'),
    };
    expect(o).toMatchObject({ host: 'h', port: 6380, db: 2 });
    expect(o.Connector).toBeUndefined();
  });

  it('sentinel connections use the sentinel ACL user and TLS too', () => {
    const o = buildSentinelOptions(config, { host: 's1', port: 26379 });
    expect(o).toMatchObject({ host: 's1', port: 26379, username: 'sentinel-user', password: 'spw' });
    expect(o.tls).toBeDefined();
  });

  it('reconnects quickly and forever', () => {
    expect(reconnectDelay(1)).toBe(50);
    expect(reconnectDelay(1000)).toBe(500);
  });

  it('reconnects and resends on READONLY and NOREPLICAS only', () => {
    expect(reconnectOnError(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnectOnError(new Error('NOREPLICAS Not enough good replicas to write.'))).toBe(2);
    expect(reconnectOnError(new Error('WRONGTYPE Operation against a key'))).toBe(false);
  });
});
