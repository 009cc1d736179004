import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import type { Env } from './env-reader';
import { loadAllSettings } from './load-config';
import { queueNamesFromEnv, type QueueConfig } from './queue.config';

function queue(env: Env, options: Partial<QueueConfig> = {}): QueueConfig {
  return loadAllSettings(env, { queue: options }).queue;
}

function problems(env: Env, options: Partial<QueueConfig> = {}): string[] {
  try {
    loadAllSettings(env, { queue: options });
  } catch (err) {
    if (err instanceof RedisHaConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('queue config', () => {
  it('has documented defaults', () => {
    expect(queue({})).toEqual({
      prefix: '{bull}',
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
      maxStalledCount: 1,
      durableAdds: false,
      durableReplicas: 1,
      durableTimeoutMs: 1000,
      addTimeoutMs: 0,
      shutdownTimeoutMs: 10_000,
      maxPayloadBytes: 1_048_576,
      evictionCheck: 'refuse',
      workerGuardIntervalMs: 5000,
    });
  });

  const valid: Array<[Env, Partial<QueueConfig>]> = [
    [{ QUEUE_PREFIX: '{jobs}' }, { prefix: '{jobs}' }],
    [{ QUEUE_PREFIX: 'myapp:{bull}' }, { prefix: 'myapp:{bull}' }],
    [{ QUEUE_LOCK_DURATION_MS: '10000' }, { lockDurationMs: 10_000 }],
    [{ QUEUE_STALLED_INTERVAL_MS: '5000' }, { stalledIntervalMs: 5000 }],
    [{ QUEUE_MAX_STALLED_COUNT: '0' }, { maxStalledCount: 0 }],
    [{ QUEUE_MAX_STALLED_COUNT: '5' }, { maxStalledCount: 5 }],
    [{ QUEUE_DURABLE_ADDS: 'true' }, { durableAdds: true }],
    [{ QUEUE_DURABLE_ADDS: 'off' }, { durableAdds: false }],
    [{ QUEUE_DURABLE_REPLICAS: '2' }, { durableReplicas: 2 }],
    [{ QUEUE_DURABLE_TIMEOUT_MS: '250' }, { durableTimeoutMs: 250 }],
    [{ QUEUE_ADD_TIMEOUT_MS: '1500' }, { addTimeoutMs: 1500 }],
    [{ QUEUE_SHUTDOWN_TIMEOUT_MS: '0' }, { shutdownTimeoutMs: 0 }],
    [{ QUEUE_SHUTDOWN_TIMEOUT_MS: '25000' }, { shutdownTimeoutMs: 25_000 }],
    [{ QUEUE_MAX_PAYLOAD_BYTES: '65536' }, { maxPayloadBytes: 65_536 }],
    [{ QUEUE_EVICTION_CHECK: 'warn' }, { evictionCheck: 'warn' }],
    [{ QUEUE_EVICTION_CHECK: 'OFF' }, { evictionCheck: 'off' }],
    [{ QUEUE_WORKER_GUARD_INTERVAL_MS: '0' }, { workerGuardIntervalMs: 0 }],
    [{ QUEUE_WORKER_GUARD_INTERVAL_MS: '1000' }, { workerGuardIntervalMs: 1000 }],
  ];
  it.each(valid)('%j', (env, expected) => {
    expect(queue(env)).toMatchObject(expected);
  });

  const invalid: Array<[Env, RegExp]> = [
    [{ QUEUE_PREFIX: 'bull' }, /^QUEUE_PREFIX: "bull" needs a hash tag such as \{bull\}/],
    [{ QUEUE_PREFIX: '{}' }, /^QUEUE_PREFIX: "\{\}" needs a hash tag/],
    [{ QUEUE_PREFIX: '{a b}' }, /^QUEUE_PREFIX: .* no spaces/],
    [{ QUEUE_LOCK_DURATION_MS: '999' }, /^QUEUE_LOCK_DURATION_MS: must be >= 1000, got 999$/],
    [{ QUEUE_LOCK_DURATION_MS: '30s' }, /^QUEUE_LOCK_DURATION_MS: must be a whole number, got "30s"$/],
    [{ QUEUE_STALLED_INTERVAL_MS: '0' }, /^QUEUE_STALLED_INTERVAL_MS: must be >= 1000/],
    [{ QUEUE_MAX_STALLED_COUNT: '-1' }, /^QUEUE_MAX_STALLED_COUNT: must be between 0 and 1000/],
    [{ QUEUE_DURABLE_ADDS: 'maybe' }, /^QUEUE_DURABLE_ADDS: must be true or false, got "maybe"$/],
    [{ QUEUE_DURABLE_REPLICAS: '0' }, /^QUEUE_DURABLE_REPLICAS: must be between 1 and 100, got 0$/],
    [{ QUEUE_DURABLE_TIMEOUT_MS: '5' }, /^QUEUE_DURABLE_TIMEOUT_MS: must be between 10 and 60000/],
    [
      { QUEUE_ADD_TIMEOUT_MS: '1199' },
      /^QUEUE_ADD_TIMEOUT_MS: 1199 must be at least QUEUE_DURABLE_TIMEOUT_MS \+ 200 \(1200\), or a durable add's WAIT is cut$/,
    ],
    [{ QUEUE_ADD_TIMEOUT_MS: '3000000000' }, /^QUEUE_ADD_TIMEOUT_MS: must be between 0 and 2147483647/],
    [{ QUEUE_SHUTDOWN_TIMEOUT_MS: '-5' }, /^QUEUE_SHUTDOWN_TIMEOUT_MS: must be between 0 and 3600000/],
    [{ QUEUE_MAX_PAYLOAD_BYTES: '0' }, /^QUEUE_MAX_PAYLOAD_BYTES: must be between 1 and 536870912/],
    [
      { QUEUE_EVICTION_CHECK: 'ignore' },
      /^QUEUE_EVICTION_CHECK: must be one of refuse \| warn \| off, got "ignore"$/,
    ],
    [{ QUEUE_WORKER_GUARD_INTERVAL_MS: 'often' }, /^QUEUE_WORKER_GUARD_INTERVAL_MS: must be a whole number/],
  ];
  it.each(invalid)('refuses %j', (env, expected) => {
    const found = problems(env);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  it('lists every problem at once', () => {
    expect(
      problems({ QUEUE_PREFIX: 'x', QUEUE_MAX_STALLED_COUNT: 'a', QUEUE_EVICTION_CHECK: 'no' }),
    ).toHaveLength(3);
  });

  it('lets forRoot() options win over the environment, and checks them by their option name', () => {
    expect(
      queue(
        { QUEUE_LOCK_DURATION_MS: '10000', QUEUE_PREFIX: '{a}' },
        { lockDurationMs: 20_000, prefix: '{b}' },
      ),
    ).toMatchObject({
      lockDurationMs: 20_000,
      prefix: '{b}',
    });
    expect(problems({}, { shutdownTimeoutMs: -1 })).toEqual([
      'RedisHaQueueModule.registerQueue({ shutdownTimeoutMs }): must be between 0 and 3600000, got -1',
    ]);
    expect(problems({}, { prefix: 'plain' })[0]).toMatch(
      /^RedisHaQueueModule.registerQueue\(\{ prefix \}\): "plain" needs a hash tag/,
    );
    expect(problems({}, { evictionCheck: 'never' as never })).toEqual([
      'RedisHaQueueModule.registerQueue({ evictionCheck }): must be one of refuse | warn | off',
    ]);
  });

  describe('QUEUE_NAMES', () => {
    it.each<[Env, string[]]>([
      [{}, []],
      [{ QUEUE_NAMES: 'reports' }, ['reports']],
      [{ QUEUE_NAMES: ' reports , emails,,' }, ['reports', 'emails']],
      [{ QUEUE_NAMES: 'a.b_c-d' }, ['a.b_c-d']],
    ])('%j', (env, names) => {
      expect(queueNamesFromEnv(env)).toEqual(names);
    });

    it.each<[Env, RegExp]>([
      [{ QUEUE_NAMES: 'a:b' }, /QUEUE_NAMES: "a:b": queue names are 1-100 of A-Z a-z 0-9 \. _ -/],
      [{ QUEUE_NAMES: 'ok,bad name' }, /QUEUE_NAMES: "bad name"/],
      [{ QUEUE_NAMES: 'a,b,a' }, /QUEUE_NAMES: lists "a" twice/],
    ])('refuses %j', (env, expected) => {
      expect(() => queueNamesFromEnv(env)).toThrow(RedisHaConfigError);
      expect(() => queueNamesFromEnv(env)).toThrow(expected);
    });
  });
});
