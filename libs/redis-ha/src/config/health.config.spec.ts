import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import type { Env } from './env-reader';
import {
  DEFAULT_LATENCY_BUCKETS,
  effectiveMinReplicas,
  modeProblems,
  parseHealthConfig,
  type HealthConfig,
} from './health.config';
import { loadAllSettings, loadSection } from './load-config';

function health(env: Env, options: Partial<HealthConfig> = {}): HealthConfig {
  return loadAllSettings(env, { health: options }).health;
}

function problems(env: Env, options: Partial<HealthConfig> = {}): string[] {
  try {
    loadAllSettings(env, { health: options });
  } catch (err) {
    if (err instanceof RedisHaConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('health and metrics config', () => {
  it('has documented defaults', () => {
    expect(health({})).toEqual({
      timeoutMs: 1000,
      minReplicas: undefined,
      maxReplicationLagSeconds: 10,
      readyAllowsCacheFallback: true,
      shutdownDelayMs: 5000,
      queueMaxWaiting: 10_000,
      queueMaxActive: undefined,
      queueMaxFailed: undefined,
      queueMaxStalled: undefined,
      metricsEnabled: true,
      metricsPrefix: 'redis_ha_',
      metricsLatencyBuckets: [...DEFAULT_LATENCY_BUCKETS],
      metricsLatencySampleEvery: 8,
      metricsDefault: false,
    });
  });

  const valid: Array<[Env, Partial<HealthConfig>]> = [
    [{ HEALTH_TIMEOUT_MS: '250' }, { timeoutMs: 250 }],
    [{ HEALTH_TIMEOUT_MS: '50' }, { timeoutMs: 50 }],
    [{ HEALTH_MIN_REPLICAS: '2' }, { minReplicas: 2 }],
    [{ HEALTH_MIN_REPLICAS: '0' }, { minReplicas: 0 }],
    [{ HEALTH_MAX_REPLICATION_LAG_SECONDS: '30' }, { maxReplicationLagSeconds: 30 }],
    [{ HEALTH_READY_ALLOW_CACHE_FALLBACK: 'false' }, { readyAllowsCacheFallback: false }],
    [{ HEALTH_READY_ALLOW_CACHE_FALLBACK: 'no' }, { readyAllowsCacheFallback: false }],
    [{ HEALTH_SHUTDOWN_DELAY_MS: '0' }, { shutdownDelayMs: 0 }],
    [{ HEALTH_QUEUE_MAX_WAITING: '50' }, { queueMaxWaiting: 50 }],
    [{ HEALTH_QUEUE_MAX_ACTIVE: '8' }, { queueMaxActive: 8 }],
    [{ HEALTH_QUEUE_MAX_FAILED: '0' }, { queueMaxFailed: 0 }],
    [{ HEALTH_QUEUE_MAX_STALLED: '3' }, { queueMaxStalled: 3 }],
    [{ METRICS_ENABLED: 'off' }, { metricsEnabled: false }],
    [{ METRICS_PREFIX: 'myapp_redis_' }, { metricsPrefix: 'myapp_redis_' }],
    [{ METRICS_PREFIX: 'ns:redis_' }, { metricsPrefix: 'ns:redis_' }],
    [{ METRICS_LATENCY_BUCKETS: '0.001, 0.01,0.1 ,1' }, { metricsLatencyBuckets: [0.001, 0.01, 0.1, 1] }],
    [{ METRICS_LATENCY_SAMPLE_EVERY: '1' }, { metricsLatencySampleEvery: 1 }],
    [{ METRICS_DEFAULT_METRICS: 'true' }, { metricsDefault: true }],
  ];
  it.each(valid)('%j', (env, expected) => {
    expect(health(env)).toMatchObject(expected);
  });

  const invalid: Array<[Env, string]> = [
    [{ HEALTH_TIMEOUT_MS: '10' }, 'HEALTH_TIMEOUT_MS: must be between 50 and 60000, got 10'],
    [{ HEALTH_TIMEOUT_MS: '1s' }, 'HEALTH_TIMEOUT_MS: must be a whole number, got "1s"'],
    [{ HEALTH_MIN_REPLICAS: '-1' }, 'HEALTH_MIN_REPLICAS: must be between 0 and 100, got -1'],
    [{ HEALTH_MAX_REPLICATION_LAG_SECONDS: '0' }, 'HEALTH_MAX_REPLICATION_LAG_SECONDS: must be >= 1, got 0'],
    [
      { HEALTH_READY_ALLOW_CACHE_FALLBACK: 'maybe' },
      'HEALTH_READY_ALLOW_CACHE_FALLBACK: must be true or false, got "maybe"',
    ],
    [{ HEALTH_SHUTDOWN_DELAY_MS: '-5' }, 'HEALTH_SHUTDOWN_DELAY_MS: must be between 0 and 600000, got -5'],
    [{ HEALTH_QUEUE_MAX_WAITING: 'lots' }, 'HEALTH_QUEUE_MAX_WAITING: must be a whole number, got "lots"'],
    [{ HEALTH_QUEUE_MAX_ACTIVE: '-1' }, 'HEALTH_QUEUE_MAX_ACTIVE: must be >= 0, got -1'],
    [{ HEALTH_QUEUE_MAX_FAILED: '-1' }, 'HEALTH_QUEUE_MAX_FAILED: must be >= 0, got -1'],
    [{ HEALTH_QUEUE_MAX_STALLED: '1.5' }, 'HEALTH_QUEUE_MAX_STALLED: must be a whole number, got "1.5"'],
    [{ METRICS_ENABLED: 'sometimes' }, 'METRICS_ENABLED: must be true or false, got "sometimes"'],
    [
      { METRICS_PREFIX: 'redis-ha.' },
      'METRICS_PREFIX: "redis-ha." is not a valid Prometheus name prefix (letters, digits, _ and :)',
    ],
    [
      { METRICS_PREFIX: '9lives_' },
      'METRICS_PREFIX: "9lives_" is not a valid Prometheus name prefix (letters, digits, _ and :)',
    ],
    [
      { METRICS_LATENCY_SAMPLE_EVERY: '0' },
      'METRICS_LATENCY_SAMPLE_EVERY: must be between 1 and 1000, got 0',
    ],
    [
      { METRICS_LATENCY_BUCKETS: '0.1,0.01' },
      'METRICS_LATENCY_BUCKETS: must be increasing positive numbers of seconds, e.g. 0.001,0.01,0.1,1',
    ],
    [
      { METRICS_LATENCY_BUCKETS: '0,1' },
      'METRICS_LATENCY_BUCKETS: must be increasing positive numbers of seconds, e.g. 0.001,0.01,0.1,1',
    ],
    [
      { METRICS_LATENCY_BUCKETS: '0.1,fast' },
      'METRICS_LATENCY_BUCKETS: must be increasing positive numbers of seconds, e.g. 0.001,0.01,0.1,1',
    ],
    [{ METRICS_DEFAULT_METRICS: '2' }, 'METRICS_DEFAULT_METRICS: must be true or false, got "2"'],
  ];
  it.each(invalid)('%j fails with its message', (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it('reports every bad variable at once', () => {
    expect(problems({ HEALTH_TIMEOUT_MS: '0', METRICS_PREFIX: '-', HEALTH_MIN_REPLICAS: 'x' })).toHaveLength(
      3,
    );
  });

  it('forRoot({ health }) options override the environment', () => {
    const config = health(
      { HEALTH_TIMEOUT_MS: '300', HEALTH_MIN_REPLICAS: '2', METRICS_ENABLED: 'true' },
      { timeoutMs: 700, minReplicas: 1, metricsEnabled: false, readyAllowsCacheFallback: false },
    );
    expect(config).toMatchObject({
      timeoutMs: 700,
      minReplicas: 1,
      metricsEnabled: false,
      readyAllowsCacheFallback: false,
    });
  });

  const badOptions: Array<[Partial<HealthConfig>, string]> = [
    [{ timeoutMs: 5 }, 'RedisHaHealthModule.register({ timeoutMs }): must be between 50 and 60000, got 5'],
    [{ minReplicas: -2 }, 'RedisHaHealthModule.register({ minReplicas }): must be between 0 and 100, got -2'],
    [
      { maxReplicationLagSeconds: 0 },
      'RedisHaHealthModule.register({ maxReplicationLagSeconds }): must be >= 1, got 0',
    ],
    [
      { shutdownDelayMs: -1 },
      'RedisHaHealthModule.register({ shutdownDelayMs }): must be between 0 and 600000, got -1',
    ],
    [{ queueMaxWaiting: -1 }, 'RedisHaHealthModule.register({ queueMaxWaiting }): must be >= 0, got -1'],
    [
      { metricsPrefix: 'a b' },
      'RedisHaHealthModule.register({ metricsPrefix }): "a b" is not a valid Prometheus name prefix (letters, digits, _ and :)',
    ],
    [
      { metricsLatencyBuckets: [1, 1] },
      'RedisHaHealthModule.register({ metricsLatencyBuckets }): must be increasing positive numbers of seconds',
    ],
  ];
  it.each(badOptions)('option %j fails naming the option', (options, message) => {
    expect(problems({}, options)).toEqual([message]);
  });

  it('HEALTH_CLUSTER_READY_KEYS: keys or hash tags, comma separated, blanks dropped; unset or empty: every slot', () => {
    expect(health({ HEALTH_CLUSTER_READY_KEYS: ' {tenant-1}, app:{t2}:x ,,' }).clusterReadyKeys).toEqual([
      '{tenant-1}',
      'app:{t2}:x',
    ]);
    expect(health({ HEALTH_CLUSTER_READY_KEYS: ' , ' }).clusterReadyKeys).toBeUndefined();
    expect(health({}, { clusterReadyKeys: ['{bull}'] }).clusterReadyKeys).toEqual(['{bull}']);
  });

  it('HEALTH_MIN_REPLICAS defaults to 1 with Sentinel and 0 standalone', () => {
    const config = health({});
    expect(effectiveMinReplicas(config, 'sentinel')).toBe(1);
    expect(effectiveMinReplicas(config, 'standalone')).toBe(0);
    expect(effectiveMinReplicas(health({ HEALTH_MIN_REPLICAS: '2' }), 'standalone')).toBe(2);
  });
});

describe('modeProblems', () => {
  const withKeys = (env: Record<string, string>) => loadSection(env, parseHealthConfig);
  it('refuses HEALTH_CLUSTER_READY_KEYS outside cluster mode, naming it', () => {
    const config = withKeys({ HEALTH_CLUSTER_READY_KEYS: '{tenant-1}' });
    expect(modeProblems(config, 'sentinel', false)).toEqual([
      expect.stringMatching(/^HEALTH_CLUSTER_READY_KEYS: applies to Redis Cluster only .*"sentinel"/),
    ]);
    expect(modeProblems(config, 'cluster', false)).toEqual([]);
    expect(modeProblems(withKeys({}), 'standalone', false)).toEqual([]);
  });
});
