import type { ConnectionRole } from './connection-role';

export interface HostPort {
  host: string;
  port: number;
}

export type RedisMode = 'standalone' | 'sentinel' | 'cluster';
export type ReadFrom = 'master' | 'replica' | 'replica-preferred';

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** An extra named connection (`forRoot({ connections: { jobs: { role: 'blocking' } } })`). */
export interface NamedConnectionOptions {
  /** @default 'writer' */
  role?: ConnectionRole;
  /** Overrides `db` for this connection. */
  db?: number;
  /** Overrides `keyPrefix` for this connection (use `''` for none). */
  keyPrefix?: string;
}

/** The validated connection settings: every field resolved from `forRoot()` options, then env, then default. */
export interface ConnectionConfig {
  /** `REDIS_MODE`. @default 'sentinel' when sentinel hosts are set, else 'standalone' */
  mode: RedisMode;
  /** `REDIS_HOST` (or from `REDIS_URL`), standalone only. @default '127.0.0.1' */
  host: string;
  /** `REDIS_PORT` (or from `REDIS_URL`), standalone only. @default 6379 */
  port: number;
  /** `REDIS_SENTINEL_HOSTS` (alias `REDIS_SENTINEL_ADDRS`): `host:port,host:port`. */
  sentinels: HostPort[];
  /** `REDIS_CLUSTER_NODES` (cluster mode): seed nodes `host:port,host:port`; the rest is learned from them. */
  clusterNodes: HostPort[];
  /** `REDIS_MASTER_NAME` (aliases `REDIS_SENTINEL_MASTER_NAME`, `REDIS_SENTINEL_SERVICE`). @default 'mymaster' */
  masterName: string;
  /** `REDIS_SENTINEL_USERNAME`: ACL user on the sentinels. */
  sentinelUsername?: string;
  /** `REDIS_SENTINEL_PASSWORD` (or `REDIS_SENTINEL_PASSWORD_FILE`). */
  sentinelPassword?: string;
  /** `REDIS_NAT_MAP`: `internal-host:port=external-host:port,...`. */
  natMap?: Record<string, HostPort>;
  /** `REDIS_USERNAME` (or from `REDIS_URL`): ACL user on Redis. */
  username?: string;
  /** `REDIS_PASSWORD` or `REDIS_PASSWORD_FILE` (or from `REDIS_URL`). */
  password?: string;
  /** `REDIS_DB`. @default 0 */
  db: number;
  /** `REDIS_TLS` (or a `rediss://` URL), with `REDIS_TLS_CA_FILE`, `REDIS_TLS_CERT_FILE`, `REDIS_TLS_KEY_FILE`. Used for Redis and Sentinel. */
  tls?: TlsFiles;
  /** `REDIS_READ_FROM`: where `@InjectRedis('reader')` reads. @default 'replica-preferred' */
  readFrom: ReadFrom;
  /**
   * `REDIS_READ_MAX_LAG_MS`: replica reads (the reader, the cache's replica reads) leave a replica whose link to
   * the master is down or whose data is older than this, and come back once it has caught up. 0 turns the watch
   * off. @default 2000
   */
  readMaxLagMs: number;
  /**
   * `REDIS_WRITE_LEASE_MS` (Sentinel): writes reach the master only while a replica acknowledged a replicated
   * probe less than this long ago and a majority of the sentinels named it master within 1.5 s; otherwise they
   * wait (bounded by the command timeout). Fences the minority side of a partition. 0 turns it off. @default 100
   */
  writeLeaseMs: number;
  /** `REDIS_WRITE_LEASE_CHANNEL`: the channel the lease probe publishes on (grant it to the ACL user). @default 'redis-ha:lease' */
  writeLeaseChannel: string;
  /** `REDIS_KEY_PREFIX`: ioredis `keyPrefix` of the writer and reader (never of BullMQ connections). @default '' */
  keyPrefix: string;
  /** `REDIS_CONNECT_TIMEOUT_MS`: bound of one connection attempt and of startup. @default 10000 */
  connectTimeoutMs: number;
  /**
   * `REDIS_COMMAND_TIMEOUT_MS`: a command issued on the writer resolves or rejects within this bound, also while
   * it waits out a failover. Keep it above Sentinel's `down-after-milliseconds` + ~1.5 s, or writes issued at
   * the start of a failover fail instead of waiting. @default 10000
   */
  commandTimeoutMs: number;
  /** `REDIS_LAZY_CONNECT`: start without waiting for Redis (startup never fails on connection). @default false */
  lazyConnect: boolean;
  /**
   * `REDIS_FAILOVER_HOLD_MS`: longest time writes are held (queued) once the sentinels announce a failover of
   * our master, waiting for `+switch-master`. Match Sentinel's `failover-timeout`. @default 30000
   */
  failoverHoldMs: number;
  /** `REDIS_CLIENT_NAME`: prefix of `CLIENT SETNAME` so `CLIENT LIST` shows who is who. @default 'nestjs-redis-ha' */
  clientName: string;
  /** Extra named connections. @default {} */
  connections: Record<string, NamedConnectionOptions>;
}
