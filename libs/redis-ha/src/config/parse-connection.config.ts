import { CONNECTION_ROLES } from './connection-role';
import type { ConnectionConfig, ReadFrom, RedisMode } from './connection.config';
import type { EnvReader } from './env-reader';
import { parseHostList, parseNatMap, findRepeatedHost } from './parse-hosts';

/** What `forRoot()` may set for the connection; each field overrides its environment variable. */
export type ConnectionOptions = Partial<ConnectionConfig> & {
  /** Overrides `REDIS_URL`. */
  url?: string;
};

const MODES: readonly RedisMode[] = ['standalone', 'sentinel', 'cluster'];
const READ_FROM: readonly ReadFrom[] = ['master', 'replica', 'replica-preferred'];
interface UrlParts {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: boolean;
}

/** `redis://[user[:password]@]host[:port][/db]` or `rediss://`; the password is never put in a message. */
function parseUrl(reader: EnvReader, setting: string, text: string): UrlParts {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    reader.fail(setting, 'is not a URL (expected redis://[user:password@]host:port[/db] or rediss://...)');
    return {};
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    reader.fail(setting, `must start with redis:// or rediss://, got ${url.protocol}//`);
    return {};
  }
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  if (db !== undefined && !Number.isInteger(db)) reader.fail(setting, 'database (the path) must be a number');
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || undefined,
    port: url.port ? Number(url.port) : undefined,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : undefined,
    tls: url.protocol === 'rediss:',
  };
}

function parseMode(
  reader: EnvReader,
  hasSentinels: boolean,
  hasClusterNodes: boolean,
): RedisMode | undefined {
  const explicit = reader.oneOf('REDIS_MODE', MODES);
  const enabled = reader.bool('REDIS_SENTINEL_ENABLED', ['USE_REDIS_SENTINEL']);
  if (explicit && enabled !== undefined && (explicit === 'sentinel') !== enabled) {
    reader.fail(
      'REDIS_MODE',
      `is "${explicit}" but REDIS_SENTINEL_ENABLED/USE_REDIS_SENTINEL says ${enabled}`,
    );
  }
  if (explicit) return explicit;
  if (enabled !== undefined) return enabled ? 'sentinel' : 'standalone';
  return hasSentinels ? 'sentinel' : hasClusterNodes ? 'cluster' : undefined;
}

/** Connection settings: `forRoot()` options first, then the environment, then the defaults. */
export function parseConnectionConfig(reader: EnvReader, options: ConnectionOptions = {}): ConnectionConfig {
  const sentinels = options.sentinels ?? parseHostList(reader) ?? [];
  const clusterNodes =
    options.clusterNodes ??
    parseHostList(reader, 'REDIS_CLUSTER_NODES', [], 'redis-0:6379,redis-1:6379,redis-2:6379') ??
    [];
  const mode =
    options.mode ?? parseMode(reader, sentinels.length > 0, clusterNodes.length > 0) ?? 'standalone';
  const urlText = options.url ?? reader.string('REDIS_URL');
  const url = urlText ? parseUrl(reader, options.url ? 'forRoot({ url })' : 'REDIS_URL', urlText) : {};

  const tlsOn = options.tls !== undefined ? true : (reader.bool('REDIS_TLS') ?? url.tls ?? false);
  const tlsFiles = {
    ca: reader.file('REDIS_TLS_CA_FILE'),
    cert: reader.file('REDIS_TLS_CERT_FILE'),
    key: reader.file('REDIS_TLS_KEY_FILE'),
  };
  if (!!tlsFiles.cert !== !!tlsFiles.key) {
    reader.fail(
      'REDIS_TLS_CERT_FILE',
      'and REDIS_TLS_KEY_FILE must be set together (client certificate and key)',
    );
  }
  const config: ConnectionConfig = {
    mode,
    host: options.host ?? url.host ?? reader.string('REDIS_HOST') ?? '127.0.0.1',
    port: options.port ?? url.port ?? reader.int('REDIS_PORT', { min: 1, max: 65535 }) ?? 6379,
    sentinels,
    clusterNodes,
    masterName:
      options.masterName ??
      reader.string('REDIS_MASTER_NAME', ['REDIS_SENTINEL_MASTER_NAME', 'REDIS_SENTINEL_SERVICE']) ??
      'mymaster',
    sentinelUsername: options.sentinelUsername ?? reader.string('REDIS_SENTINEL_USERNAME'),
    sentinelPassword:
      options.sentinelPassword ?? reader.secret('REDIS_SENTINEL_PASSWORD', 'REDIS_SENTINEL_PASSWORD_FILE'),
    natMap: options.natMap ?? parseNatMap(reader),
    username: options.username ?? url.username ?? reader.string('REDIS_USERNAME'),
    password: options.password ?? url.password ?? reader.secret('REDIS_PASSWORD', 'REDIS_PASSWORD_FILE'),
    db: options.db ?? url.db ?? reader.int('REDIS_DB', { min: 0, max: 15 }) ?? 0,
    tls: options.tls ?? (tlsOn ? tlsFiles : undefined),
    readFrom: options.readFrom ?? reader.oneOf('REDIS_READ_FROM', READ_FROM) ?? 'replica-preferred',
    readMaxLagMs: options.readMaxLagMs ?? reader.int('REDIS_READ_MAX_LAG_MS', { min: 0 }) ?? 2000,
    writeLeaseMs: options.writeLeaseMs ?? reader.int('REDIS_WRITE_LEASE_MS', { min: 0 }) ?? 100,
    writeLeaseChannel:
      options.writeLeaseChannel ?? reader.string('REDIS_WRITE_LEASE_CHANNEL') ?? 'redis-ha:lease',
    keyPrefix: options.keyPrefix ?? reader.string('REDIS_KEY_PREFIX') ?? '',
    connectTimeoutMs:
      options.connectTimeoutMs ?? reader.int('REDIS_CONNECT_TIMEOUT_MS', { min: 100 }) ?? 10_000,
    commandTimeoutMs:
      options.commandTimeoutMs ?? reader.int('REDIS_COMMAND_TIMEOUT_MS', { min: 50 }) ?? 10_000,
    lazyConnect: options.lazyConnect ?? reader.bool('REDIS_LAZY_CONNECT') ?? false,
    failoverHoldMs: options.failoverHoldMs ?? reader.int('REDIS_FAILOVER_HOLD_MS', { min: 100 }) ?? 30_000,
    clientName: options.clientName ?? reader.string('REDIS_CLIENT_NAME') ?? 'nestjs-redis-ha',
    connections: options.connections ?? {},
  };
  validate(reader, config, options);
  return config;
}

function validate(reader: EnvReader, config: ConnectionConfig, options: ConnectionOptions): void {
  if (config.mode === 'sentinel' && config.sentinels.length === 0) {
    reader.fail(
      'REDIS_SENTINEL_HOSTS',
      'is required in sentinel mode (e.g. sentinel-1:26379,sentinel-2:26379)',
    );
  }
  if (config.mode === 'cluster') validateCluster(reader, config, options);
  const repeated = findRepeatedHost(config.sentinels);
  if (repeated) {
    // One sentinel listed twice would count twice towards the majority the library acts on.
    reader.fail(
      options.sentinels ? 'forRoot({ sentinels })' : 'REDIS_SENTINEL_HOSTS',
      `lists ${repeated} more than once: each sentinel once, or the majority counted is not a majority`,
    );
  }
  if (config.mode === 'sentinel' && !/^[A-Za-z0-9._-]+$/.test(config.masterName)) {
    reader.fail('REDIS_MASTER_NAME', `"${config.masterName}" is not a valid master name`);
  }
  if (config.mode === 'standalone' && config.readFrom !== 'master' && options.readFrom === undefined) {
    config.readFrom = 'master'; // a standalone server has no replicas to read from
  }
  if (config.username && config.password === undefined) {
    reader.fail('REDIS_PASSWORD', `is required when REDIS_USERNAME is set`);
  }
  if (config.sentinelUsername && config.sentinelPassword === undefined) {
    reader.fail('REDIS_SENTINEL_PASSWORD', 'is required when REDIS_SENTINEL_USERNAME is set');
  }
  if (config.writeLeaseMs > 0 && config.writeLeaseMs < 20) {
    reader.fail('REDIS_WRITE_LEASE_MS', `must be 0 (off) or at least 20, got ${config.writeLeaseMs}`);
  }
  if (options.port !== undefined) reader.checkRange('forRoot({ port })', options.port, 1, 65535);
  if (options.db !== undefined) reader.checkRange('forRoot({ db })', options.db, 0, 15);
  if (options.commandTimeoutMs !== undefined)
    reader.checkRange('forRoot({ commandTimeoutMs })', options.commandTimeoutMs, 50);
  if (options.connectTimeoutMs !== undefined)
    reader.checkRange('forRoot({ connectTimeoutMs })', options.connectTimeoutMs, 100);
  for (const [name, conn] of Object.entries(config.connections)) {
    if (conn.role && !CONNECTION_ROLES.includes(conn.role)) {
      reader.fail(`forRoot({ connections.${name}.role })`, `must be one of ${CONNECTION_ROLES.join(' | ')}`);
    }
    if (name === 'default' || name === 'reader') {
      reader.fail(`forRoot({ connections.${name} })`, `"${name}" is reserved for the built-in connection`);
    }
  }
}

/** Cluster mode: seed nodes given once each; database 0 only (Redis Cluster has no other). */
function validateCluster(reader: EnvReader, config: ConnectionConfig, options: ConnectionOptions): void {
  const setting = options.clusterNodes ? 'forRoot({ clusterNodes })' : 'REDIS_CLUSTER_NODES';
  if (config.clusterNodes.length === 0) {
    reader.fail(setting, 'is required in cluster mode (e.g. redis-0:6379,redis-1:6379,redis-2:6379)');
  }
  const repeated = findRepeatedHost(config.clusterNodes);
  if (repeated) reader.fail(setting, `lists ${repeated} more than once`);
  if (config.db !== 0) {
    reader.fail(
      options.db !== undefined ? 'forRoot({ db })' : 'REDIS_DB',
      `must be 0 in cluster mode, got ${config.db}`,
    );
  }
  if (config.sentinels.length > 0) {
    reader.fail('REDIS_MODE', 'is "cluster" but REDIS_SENTINEL_HOSTS is set too: choose one topology');
  }
}
