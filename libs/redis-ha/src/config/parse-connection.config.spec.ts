import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import type { ConnectionConfig } from './connection.config';
import type { Env } from './env-reader';
import { loadRedisHaConfig } from './load-config';
import type { RedisHaModuleOptions } from './redis-ha-options.interface';

const dir = mkdtempSync(join(tmpdir(), 'redis-ha-config-'));
const passwordFile = join(dir, 'password');
writeFileSync(passwordFile, 's3cret-from-file\n');
const certFile = join(dir, 'cert.pem');
writeFileSync(certFile, 'CERT');

const SENTINELS = { REDIS_SENTINEL_HOSTS: 's1:26379,s2:26380' };

function connection(env: Env, options: RedisHaModuleOptions = {}): ConnectionConfig {
  return loadRedisHaConfig({ ...options, env }).connection;
}

function problems(env: Env, options: RedisHaModuleOptions = {}): string[] {
  try {
    loadRedisHaConfig({ ...options, env });
  } catch (err) {
    if (err instanceof RedisHaConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('connection config from the environment', () => {
  const valid: Array<[string, Env, Partial<ConnectionConfig>]> = [
    [
      'defaults to standalone on 127.0.0.1:6379',
      {},
      { mode: 'standalone', host: '127.0.0.1', port: 6379, db: 0 },
    ],
    ['REDIS_HOST + REDIS_PORT', { REDIS_HOST: 'cache', REDIS_PORT: '6380' }, { host: 'cache', port: 6380 }],
    [
      'REDIS_URL with user, password and db',
      { REDIS_URL: 'redis://app:p%40ss@redis.local:6390/3' },
      { host: 'redis.local', port: 6390, username: 'app', password: 'p@ss', db: 3, tls: undefined },
    ],
    [
      'rediss:// turns TLS on',
      { REDIS_URL: 'rediss://redis.local' },
      { tls: { ca: undefined, cert: undefined, key: undefined } },
    ],
    [
      'sentinel hosts imply sentinel mode',
      SENTINELS,
      {
        mode: 'sentinel',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
        masterName: 'mymaster',
      },
    ],
    [
      'alias REDIS_SENTINEL_ADDRS',
      { REDIS_SENTINEL_ADDRS: 's1:1' },
      { mode: 'sentinel', sentinels: [{ host: 's1', port: 1 }] },
    ],
    ['REDIS_MODE=sentinel', { ...SENTINELS, REDIS_MODE: 'sentinel' }, { mode: 'sentinel' }],
    [
      'REDIS_MODE=standalone wins over hosts',
      { ...SENTINELS, REDIS_MODE: 'standalone' },
      { mode: 'standalone' },
    ],
    [
      'alias REDIS_SENTINEL_ENABLED=true',
      { ...SENTINELS, REDIS_SENTINEL_ENABLED: 'true' },
      { mode: 'sentinel' },
    ],
    ['alias USE_REDIS_SENTINEL=true', { ...SENTINELS, USE_REDIS_SENTINEL: 'true' }, { mode: 'sentinel' }],
    [
      'REDIS_SENTINEL_ENABLED=false',
      { ...SENTINELS, REDIS_SENTINEL_ENABLED: 'false' },
      { mode: 'standalone' },
    ],
    ['REDIS_MASTER_NAME', { ...SENTINELS, REDIS_MASTER_NAME: 'orders' }, { masterName: 'orders' }],
    [
      'alias REDIS_SENTINEL_MASTER_NAME',
      { ...SENTINELS, REDIS_SENTINEL_MASTER_NAME: 'a' },
      { masterName: 'a' },
    ],
    ['alias REDIS_SENTINEL_SERVICE', { ...SENTINELS, REDIS_SENTINEL_SERVICE: 'b' }, { masterName: 'b' }],
    [
      'sentinel credentials',
      { ...SENTINELS, REDIS_SENTINEL_USERNAME: 'sentinel-user', REDIS_SENTINEL_PASSWORD: 'x' },
      { sentinelUsername: 'sentinel-user', sentinelPassword: 'x' },
    ],
    [
      'REDIS_NAT_MAP',
      { ...SENTINELS, REDIS_NAT_MAP: 'redis-master:6379=127.0.0.1:7000,redis-replica-1:6379=127.0.0.1:7001' },
      {
        natMap: {
          'redis-master:6379': { host: '127.0.0.1', port: 7000 },
          'redis-replica-1:6379': { host: '127.0.0.1', port: 7001 },
        },
      },
    ],
    [
      'REDIS_USERNAME + REDIS_PASSWORD',
      { REDIS_USERNAME: 'app', REDIS_PASSWORD: 'pw' },
      { username: 'app', password: 'pw' },
    ],
    [
      'REDIS_PASSWORD_FILE drops the trailing newline',
      { REDIS_PASSWORD_FILE: passwordFile },
      { password: 's3cret-from-file' },
    ],
    ['REDIS_DB', { REDIS_DB: '5' }, { db: 5 }],
    [
      'REDIS_TLS with a CA file',
      { REDIS_TLS: 'true', REDIS_TLS_CA_FILE: certFile },
      { tls: { ca: Buffer.from('CERT'), cert: undefined, key: undefined } },
    ],
    ['REDIS_TLS=false', { REDIS_TLS: 'false' }, { tls: undefined }],
    ['REDIS_READ_FROM=replica', { ...SENTINELS, REDIS_READ_FROM: 'replica' }, { readFrom: 'replica' }],
    ['REDIS_READ_FROM defaults to replica-preferred', SENTINELS, { readFrom: 'replica-preferred' }],
    ['standalone reads from the master', {}, { readFrom: 'master' }],
    ['REDIS_KEY_PREFIX', { REDIS_KEY_PREFIX: 'app:' }, { keyPrefix: 'app:' }],
    ['REDIS_CONNECT_TIMEOUT_MS', { REDIS_CONNECT_TIMEOUT_MS: '2500' }, { connectTimeoutMs: 2500 }],
    ['REDIS_COMMAND_TIMEOUT_MS', { REDIS_COMMAND_TIMEOUT_MS: '4000' }, { commandTimeoutMs: 4000 }],
    [
      'defaults of timeouts',
      {},
      { connectTimeoutMs: 10_000, commandTimeoutMs: 10_000, failoverHoldMs: 30_000 },
    ],
    ['REDIS_LAZY_CONNECT', { REDIS_LAZY_CONNECT: 'yes' }, { lazyConnect: true }],
    ['REDIS_FAILOVER_HOLD_MS', { REDIS_FAILOVER_HOLD_MS: '5000' }, { failoverHoldMs: 5000 }],
    ['REDIS_CLIENT_NAME', { REDIS_CLIENT_NAME: 'orders-api' }, { clientName: 'orders-api' }],
  ];

  it.each(valid)('%s', (_name, env, expected) => {
    expect(connection(env)).toMatchObject(expected);
  });

  const invalid: Array<[string, Env, string]> = [
    [
      'bad REDIS_MODE',
      { REDIS_MODE: 'shard' },
      'REDIS_MODE: must be one of standalone | sentinel | cluster, got "shard"',
    ],
    [
      'sentinel mode without hosts',
      { REDIS_MODE: 'sentinel' },
      'REDIS_SENTINEL_HOSTS: is required in sentinel mode',
    ],
    [
      'malformed host list',
      { REDIS_SENTINEL_HOSTS: 's1:26379,s2' },
      'REDIS_SENTINEL_HOSTS: "s2" is not host:port',
    ],
    [
      'the same sentinel listed twice (case of the host ignored)',
      { REDIS_SENTINEL_HOSTS: 's1:26379,s2:26379,S1:26379' },
      'REDIS_SENTINEL_HOSTS: lists S1:26379 more than once',
    ],
    [
      'port out of range in list',
      { REDIS_SENTINEL_ADDRS: 's1:99999' },
      'REDIS_SENTINEL_ADDRS: "s1:99999" is not host:port',
    ],
    [
      'contradicting mode and alias',
      { ...SENTINELS, REDIS_MODE: 'standalone', USE_REDIS_SENTINEL: 'true' },
      'REDIS_MODE: is "standalone" but',
    ],
    [
      'not a boolean',
      { REDIS_SENTINEL_ENABLED: 'maybe' },
      'REDIS_SENTINEL_ENABLED: must be true or false, got "maybe"',
    ],
    [
      'bad master name',
      { ...SENTINELS, REDIS_MASTER_NAME: 'my master' },
      'REDIS_MASTER_NAME: "my master" is not a valid master name',
    ],
    [
      'bad NAT map',
      { ...SENTINELS, REDIS_NAT_MAP: 'a:1-b:2' },
      'REDIS_NAT_MAP: "a:1-b:2" is not internal-host:port=external-host:port',
    ],
    [
      'bad URL scheme',
      { REDIS_URL: 'http://x:1' },
      'REDIS_URL: must start with redis:// or rediss://, got http://',
    ],
    ['not a URL', { REDIS_URL: 'redis-master' }, 'REDIS_URL: is not a URL'],
    ['port not a number', { REDIS_PORT: 'abc' }, 'REDIS_PORT: must be a whole number, got "abc"'],
    ['port out of range', { REDIS_PORT: '70000' }, 'REDIS_PORT: must be between 1 and 65535, got 70000'],
    ['db out of range', { REDIS_DB: '16' }, 'REDIS_DB: must be between 0 and 15, got 16'],
    ['missing password file', { REDIS_PASSWORD_FILE: join(dir, 'nope') }, 'REDIS_PASSWORD_FILE: cannot read'],
    [
      'password and password file',
      { REDIS_PASSWORD: 'a', REDIS_PASSWORD_FILE: passwordFile },
      'REDIS_PASSWORD_FILE: set either REDIS_PASSWORD or REDIS_PASSWORD_FILE',
    ],
    [
      'username without password',
      { REDIS_USERNAME: 'app' },
      'REDIS_PASSWORD: is required when REDIS_USERNAME is set',
    ],
    [
      'sentinel user without password',
      { ...SENTINELS, REDIS_SENTINEL_USERNAME: 'u' },
      'REDIS_SENTINEL_PASSWORD: is required when REDIS_SENTINEL_USERNAME is set',
    ],
    [
      'missing TLS CA file',
      { REDIS_TLS: 'true', REDIS_TLS_CA_FILE: join(dir, 'nope.pem') },
      'REDIS_TLS_CA_FILE: cannot read',
    ],
    [
      'cert without key',
      { REDIS_TLS: 'true', REDIS_TLS_CERT_FILE: certFile },
      'REDIS_TLS_CERT_FILE: and REDIS_TLS_KEY_FILE must be set together',
    ],
    [
      'bad REDIS_READ_FROM',
      { REDIS_READ_FROM: 'slave' },
      'REDIS_READ_FROM: must be one of master | replica | replica-preferred, got "slave"',
    ],
    [
      'command timeout too small',
      { REDIS_COMMAND_TIMEOUT_MS: '5' },
      'REDIS_COMMAND_TIMEOUT_MS: must be >= 50, got 5',
    ],
    [
      'connect timeout not a number',
      { REDIS_CONNECT_TIMEOUT_MS: '1s' },
      'REDIS_CONNECT_TIMEOUT_MS: must be a whole number, got "1s"',
    ],
    [
      'bad REDIS_LAZY_CONNECT',
      { REDIS_LAZY_CONNECT: 'sometimes' },
      'REDIS_LAZY_CONNECT: must be true or false',
    ],
    ['hold too small', { REDIS_FAILOVER_HOLD_MS: '1' }, 'REDIS_FAILOVER_HOLD_MS: must be >= 100, got 1'],
  ];

  it.each(invalid)('%s', (_name, env, message) => {
    expect(problems(env).join('\n')).toContain(message);
  });

  it('write lease: 100 ms on redis-ha:lease by default, 0 turns it off, 1-19 is refused', () => {
    expect(connection(SENTINELS)).toMatchObject({ writeLeaseMs: 100, writeLeaseChannel: 'redis-ha:lease' });
    expect(connection({ ...SENTINELS, REDIS_WRITE_LEASE_MS: '0' }).writeLeaseMs).toBe(0);
    expect(connection({ ...SENTINELS, REDIS_WRITE_LEASE_CHANNEL: 'app:lease' }).writeLeaseChannel).toBe(
      'app:lease',
    );
    expect(problems({ ...SENTINELS, REDIS_WRITE_LEASE_MS: '5' })).toEqual([
      expect.stringMatching(/REDIS_WRITE_LEASE_MS.*must be 0 \(off\) or at least 20, got 5/),
    ]);
  });

  it('cluster mode: REDIS_CLUSTER_NODES are the seeds, and imply the mode', () => {
    const nodes = { REDIS_CLUSTER_NODES: 'redis-0:6379, redis-1:6380' };
    expect(connection(nodes)).toMatchObject({
      mode: 'cluster',
      clusterNodes: [
        { host: 'redis-0', port: 6379 },
        { host: 'redis-1', port: 6380 },
      ],
    });
    expect(connection({ ...nodes, REDIS_MODE: 'cluster' }).mode).toBe('cluster');
    expect(
      connection({}, { mode: 'cluster', clusterNodes: [{ host: 'h', port: 7000 }] }).clusterNodes,
    ).toEqual([{ host: 'h', port: 7000 }]);
  });

  it.each([
    ['no seed node', { REDIS_MODE: 'cluster' }, 'REDIS_CLUSTER_NODES: is required in cluster mode'],
    ['a bad seed', { REDIS_CLUSTER_NODES: 'redis-0' }, 'REDIS_CLUSTER_NODES: "redis-0" is not host:port'],
    ['a seed twice', { REDIS_CLUSTER_NODES: 'a:1,b:2,A:1' }, 'REDIS_CLUSTER_NODES: lists A:1 more than once'],
    [
      'a database',
      { REDIS_CLUSTER_NODES: 'a:1', REDIS_DB: '2' },
      'REDIS_DB: must be 0 in cluster mode, got 2',
    ],
    [
      'sentinels too',
      { REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'a:1', ...SENTINELS },
      'REDIS_MODE: is "cluster" but REDIS_SENTINEL_HOSTS is set too',
    ],
  ])('cluster mode refuses %s', (_name, env, message) => {
    expect(problems(env).join('\n')).toContain(message);
  });

  it('reports every problem at once, one line each', () => {
    const found = problems({ REDIS_MODE: 'cluster', REDIS_PORT: 'x', REDIS_DB: '-1' });
    expect(found).toHaveLength(3);
    expect(() => loadRedisHaConfig({ env: { REDIS_PORT: 'x', REDIS_DB: '99' } })).toThrow(
      /Invalid Redis HA configuration:\n {2}- REDIS_PORT: .*\n {2}- REDIS_DB: /,
    );
  });

  it('never prints a secret', () => {
    const env = { REDIS_URL: 'ftp://app:hunter2@x', REDIS_SENTINEL_USERNAME: 'u', REDIS_USERNAME: 'app' };
    const text = problems(env).join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('REDIS_URL');
  });

  it('forRoot() options override the environment', () => {
    const config = connection(
      { REDIS_HOST: 'from-env', REDIS_PORT: '1', REDIS_DB: '2' },
      { host: 'opt', port: 7000 },
    );
    expect(config).toMatchObject({ host: 'opt', port: 7000, db: 2 });
  });

  it('an option does not hide an invalid environment value it does not override', () => {
    expect(problems({ REDIS_DB: 'x' }, { host: 'opt' })).toEqual([
      'REDIS_DB: must be a whole number, got "x"',
    ]);
  });

  it('validates option values with the option name', () => {
    expect(problems({}, { port: 0 })).toContain('forRoot({ port }): must be between 1 and 65535, got 0');
    expect(problems({}, { connections: { default: { role: 'writer' } } })).toContain(
      'forRoot({ connections.default }): "default" is reserved for the built-in connection',
    );
  });
});
