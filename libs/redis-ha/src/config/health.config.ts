import type { RedisMode } from './connection.config';
import type { EnvReader } from './env-reader';

/** Validated health and metrics settings (`HEALTH_*`, `METRICS_*`). */
export interface HealthConfig {
  /** `HEALTH_TIMEOUT_MS`: every indicator answers within this bound, also when a Redis node hangs. @default 1000 */
  timeoutMs: number;
  /**
   * `HEALTH_MIN_REPLICAS`: fewer connected replicas than this reports replication `down`.
   * @default 1 in sentinel mode (matches `min-replicas-to-write 1` of redis/), 0 in standalone mode
   */
  minReplicas?: number;
  /** `HEALTH_MAX_REPLICATION_LAG_SECONDS`: a replica acknowledging later than this counts as lagging. @default 10 */
  maxReplicationLagSeconds: number;
  /**
   * `HEALTH_READY_ALLOW_CACHE_FALLBACK`: readiness stays 200 while the cache serves from its in-memory fallback.
   * Set false when a pod without its Redis cache should leave the load balancer. @default true
   */
  readyAllowsCacheFallback: boolean;
  /**
   * `HEALTH_SHUTDOWN_DELAY_MS`: on SIGTERM, readiness answers 503 for this long before connections close, so
   * the load balancer drains the pod first (Terminus graceful shutdown). Keep it above the readiness probe
   * period. @default 5000
   */
  shutdownDelayMs: number;
  /** `HEALTH_QUEUE_MAX_WAITING`: more waiting jobs than this in one queue reports it `down`. @default 10000 */
  queueMaxWaiting?: number;
  /** `HEALTH_QUEUE_MAX_ACTIVE`: limit on active jobs per queue. @default unset (not checked) */
  queueMaxActive?: number;
  /** `HEALTH_QUEUE_MAX_FAILED`: limit on failed jobs kept per queue. @default unset (not checked) */
  queueMaxFailed?: number;
  /** `HEALTH_QUEUE_MAX_STALLED`: limit on jobs seen stalled in the last 5 minutes per queue. @default unset */
  queueMaxStalled?: number;
  /**
   * `HEALTH_CLUSTER_READY_KEYS`: in cluster mode, keys or hash tags (`{tenant-1}`) whose slots readiness needs
   * served; comma separated. @default unset: every slot (an app's keys hash over all of them)
   */
  clusterReadyKeys?: string[];
  /** `METRICS_ENABLED`: collect Prometheus metrics and instrument the clients. @default true */
  metricsEnabled: boolean;
  /** `METRICS_PREFIX`: prefix of every metric name the library exports. @default 'redis_ha_' */
  metricsPrefix: string;
  /**
   * `METRICS_LATENCY_BUCKETS`: upper bounds in seconds of the command latency histogram, comma separated.
   * @default 0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10
   */
  metricsLatencyBuckets: number[];
  /**
   * `METRICS_LATENCY_SAMPLE_EVERY`: time one command in N; each timed command counts for N in the histogram
   * and the error counter. Timing every command (1) costs ~6 % of GET/SET throughput at 50 in flight. @default 8
   */
  metricsLatencySampleEvery: number;
  /** `METRICS_DEFAULT_METRICS`: also export prom-client's Node.js process metrics. @default false */
  metricsDefault: boolean;
}

export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const METRIC_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function parseHealthConfig(reader: EnvReader, options: Partial<HealthConfig> = {}): HealthConfig {
  const config: HealthConfig = {
    timeoutMs: options.timeoutMs ?? reader.int('HEALTH_TIMEOUT_MS', { min: 50, max: 60_000 }) ?? 1000,
    minReplicas: options.minReplicas ?? reader.int('HEALTH_MIN_REPLICAS', { min: 0, max: 100 }),
    maxReplicationLagSeconds:
      options.maxReplicationLagSeconds ?? reader.int('HEALTH_MAX_REPLICATION_LAG_SECONDS', { min: 1 }) ?? 10,
    readyAllowsCacheFallback:
      options.readyAllowsCacheFallback ?? reader.bool('HEALTH_READY_ALLOW_CACHE_FALLBACK') ?? true,
    shutdownDelayMs:
      options.shutdownDelayMs ?? reader.int('HEALTH_SHUTDOWN_DELAY_MS', { min: 0, max: 600_000 }) ?? 5000,
    queueMaxWaiting: options.queueMaxWaiting ?? reader.int('HEALTH_QUEUE_MAX_WAITING', { min: 0 }) ?? 10_000,
    queueMaxActive: options.queueMaxActive ?? reader.int('HEALTH_QUEUE_MAX_ACTIVE', { min: 0 }),
    queueMaxFailed: options.queueMaxFailed ?? reader.int('HEALTH_QUEUE_MAX_FAILED', { min: 0 }),
    queueMaxStalled: options.queueMaxStalled ?? reader.int('HEALTH_QUEUE_MAX_STALLED', { min: 0 }),
    clusterReadyKeys: options.clusterReadyKeys ?? parseKeys(reader.string('HEALTH_CLUSTER_READY_KEYS')),
    metricsEnabled: options.metricsEnabled ?? reader.bool('METRICS_ENABLED') ?? true,
    metricsPrefix: options.metricsPrefix ?? reader.string('METRICS_PREFIX') ?? 'redis_ha_',
    metricsLatencyBuckets: options.metricsLatencyBuckets ??
      parseBuckets(reader) ?? [...DEFAULT_LATENCY_BUCKETS],
    metricsLatencySampleEvery:
      options.metricsLatencySampleEvery ??
      reader.int('METRICS_LATENCY_SAMPLE_EVERY', { min: 1, max: 1000 }) ??
      8,
    metricsDefault: options.metricsDefault ?? reader.bool('METRICS_DEFAULT_METRICS') ?? false,
  };
  validate(reader, config, options);
  return config;
}

function parseKeys(value: string | undefined): string[] | undefined {
  const keys = value
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  return keys?.length ? keys : undefined;
}

function parseBuckets(reader: EnvReader): number[] | undefined {
  const found = reader.raw('METRICS_LATENCY_BUCKETS');
  if (!found) return undefined;
  const values = found.value.split(',').map((s) => Number(s.trim()));
  if (!bucketsValid(values)) {
    reader.fail(found.name, 'must be increasing positive numbers of seconds, e.g. 0.001,0.01,0.1,1');
    return undefined;
  }
  return values;
}

function bucketsValid(values: readonly number[]): boolean {
  return (
    values.length > 0 && values.every((v, i) => Number.isFinite(v) && v > 0 && (i === 0 || v > values[i - 1]))
  );
}

/** `forRoot({ health })` values are checked with the option's name, the environment's with the variable's. */
function validate(reader: EnvReader, config: HealthConfig, options: Partial<HealthConfig>): void {
  const option = (key: keyof HealthConfig) => `RedisHaHealthModule.register({ ${key} })`;
  const ranges: Array<[keyof HealthConfig, number, number | undefined]> = [
    ['timeoutMs', 50, 60_000],
    ['minReplicas', 0, 100],
    ['maxReplicationLagSeconds', 1, undefined],
    ['shutdownDelayMs', 0, 600_000],
    ['queueMaxWaiting', 0, undefined],
    ['queueMaxActive', 0, undefined],
    ['queueMaxFailed', 0, undefined],
    ['queueMaxStalled', 0, undefined],
  ];
  for (const [key, min, max] of ranges) {
    const value = options[key];
    if (typeof value === 'number') reader.checkRange(option(key), value, min, max);
  }
  if (!METRIC_PREFIX.test(config.metricsPrefix)) {
    const setting = options.metricsPrefix !== undefined ? option('metricsPrefix') : 'METRICS_PREFIX';
    reader.fail(
      setting,
      `"${config.metricsPrefix}" is not a valid Prometheus name prefix (letters, digits, _ and :)`,
    );
  }
  if (options.metricsLatencyBuckets !== undefined && !bucketsValid(options.metricsLatencyBuckets)) {
    reader.fail(option('metricsLatencyBuckets'), 'must be increasing positive numbers of seconds');
  }
}

/** The replica count below which replication is `down`: explicit, else 1 with Sentinel and 0 standalone. */
export function effectiveMinReplicas(config: HealthConfig, mode: RedisMode): number {
  return config.minReplicas ?? (mode === 'sentinel' ? 1 : 0);
}

/**
 * Settings that only mean something in one connection mode, checked once the mode is known (the health module
 * starts after the core): `HEALTH_CLUSTER_READY_KEYS` outside cluster mode would be silently ignored.
 */
export function modeProblems(config: HealthConfig, mode: RedisMode, fromOptions: boolean): string[] {
  if (!config.clusterReadyKeys || mode === 'cluster') return [];
  const setting = fromOptions
    ? 'RedisHaHealthModule.register({ clusterReadyKeys })'
    : 'HEALTH_CLUSTER_READY_KEYS';
  return [`${setting}: applies to Redis Cluster only (REDIS_MODE=cluster); the connection mode is "${mode}"`];
}
