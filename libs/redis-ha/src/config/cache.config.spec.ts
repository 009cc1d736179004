import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import type { CacheConfig } from './cache.config';
import { namespaceId } from './cache.config';
import type { Env } from './env-reader';
import { loadAllSettings } from './load-config';

function cache(env: Env, options?: Partial<CacheConfig> | false): CacheConfig {
  return loadAllSettings(env, { cache: options === false ? { enabled: false } : options }).cache;
}

function problems(env: Env, options?: Partial<CacheConfig>): string[] {
  try {
    loadAllSettings(env, { cache: options });
  } catch (err) {
    if (err instanceof RedisHaConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('cache config', () => {
  it('has documented defaults', () => {
    expect(cache({})).toEqual({
      enabled: true,
      keyPrefix: 'cache:',
      keyVersion: 'v1',
      ttlSeconds: 300,
      namespaces: {},
      readFrom: 'master',
      readYourWritesMs: 2000,
      fallback: 'memory',
      fallbackMaxItems: 10_000,
      timeoutMs: 500,
      breakerThreshold: 3,
      breakerCooldownMs: 1000,
      waitReplicas: 0,
      waitTimeoutMs: 1000,
      maxValueBytes: 1_048_576,
      maxKeyBytes: 1024,
      earlyRefresh: true,
      earlyRefreshBeta: 1,
    });
  });

  const valid: Array<[Env, Partial<CacheConfig>]> = [
    [{ CACHE_ENABLED: 'false' }, { enabled: false }],
    [{ CACHE_ENABLED: 'off' }, { enabled: false }],
    [{ CACHE_ENABLED: 'yes' }, { enabled: true }],
    [{ CACHE_KEY_PREFIX: 'myapp:cache:' }, { keyPrefix: 'myapp:cache:' }],
    [{ CACHE_KEY_VERSION: '2024-06-01.3' }, { keyVersion: '2024-06-01.3' }],
    [{ CACHE_TTL_SECONDS: '60' }, { ttlSeconds: 60, namespaces: {} }],
    [{ CACHE_TTL_HOLIDAYS: '2592000' }, { namespaces: { holidays: { ttlSeconds: 2_592_000 } } }],
    [{ CACHE_TTL_USER_PROFILES: '30' }, { namespaces: { user_profiles: { ttlSeconds: 30 } } }],
    [{ CACHE_KEY_VERSION_PRICES: 'r8' }, { namespaces: { prices: { version: 'r8' } } }],
    [{ CACHE_WAIT_REPLICAS_ORDERS: '1' }, { namespaces: { orders: { waitReplicas: 1 } } }],
    [
      { CACHE_TTL_ORDERS: '10', CACHE_KEY_VERSION_ORDERS: 'v2', CACHE_WAIT_REPLICAS_ORDERS: '2' },
      { namespaces: { orders: { ttlSeconds: 10, version: 'v2', waitReplicas: 2 } } },
    ],
    [{ CACHE_READ_FROM: 'replica' }, { readFrom: 'replica' }],
    [{ CACHE_READ_FROM: 'Replica-Preferred' }, { readFrom: 'replica-preferred' }],
    [{ CACHE_READ_YOUR_WRITES_MS: '0' }, { readYourWritesMs: 0 }],
    [{ CACHE_FALLBACK: 'none' }, { fallback: 'none' }],
    [{ CACHE_FALLBACK_MAX_ITEMS: '500' }, { fallbackMaxItems: 500 }],
    [{ CACHE_TIMEOUT_MS: '250' }, { timeoutMs: 250 }],
    [{ CACHE_BREAKER_THRESHOLD: '1' }, { breakerThreshold: 1 }],
    [{ CACHE_BREAKER_COOLDOWN_MS: '5000' }, { breakerCooldownMs: 5000 }],
    [{ CACHE_WAIT_REPLICAS: '1' }, { waitReplicas: 1 }],
    [{ CACHE_WAIT_TIMEOUT_MS: '200' }, { waitTimeoutMs: 200 }],
    [{ CACHE_MAX_VALUE_BYTES: '65536' }, { maxValueBytes: 65_536 }],
    [{ CACHE_MAX_KEY_BYTES: '256' }, { maxKeyBytes: 256 }],
    [{ CACHE_EARLY_REFRESH: 'false' }, { earlyRefresh: false }],
    [{ CACHE_EARLY_REFRESH_BETA: '0.5' }, { earlyRefreshBeta: 0.5 }],
    [{ CACHE_EARLY_REFRESH_BETA: '2' }, { earlyRefreshBeta: 2 }],
    [{ CACHE_TIMEOUT_MS: '  300 ' }, { timeoutMs: 300 }],
    [{ CACHE_TTL_HOLIDAYS: '' }, { namespaces: {} }],
  ];
  it.each(valid)('%j', (env, expected) => {
    expect(cache(env)).toMatchObject(expected);
  });

  const invalid: Array<[Env, string]> = [
    [{ CACHE_ENABLED: 'maybe' }, 'CACHE_ENABLED: must be true or false, got "maybe"'],
    [{ CACHE_KEY_PREFIX: 'my cache:' }, 'CACHE_KEY_PREFIX: must be at most 64 characters without spaces'],
    [
      { CACHE_KEY_VERSION: 'v 2' },
      'CACHE_KEY_VERSION: must be 1-64 of A-Z a-z 0-9 . _ - (and not "lock"), got "v 2"',
    ],
    [
      { CACHE_KEY_VERSION: 'lock' },
      'CACHE_KEY_VERSION: must be 1-64 of A-Z a-z 0-9 . _ - (and not "lock"), got "lock"',
    ],
    [{ CACHE_TTL_SECONDS: '0' }, 'CACHE_TTL_SECONDS: must be between 1 and 31536000, got 0'],
    [{ CACHE_TTL_SECONDS: '1.5' }, 'CACHE_TTL_SECONDS: must be a whole number, got "1.5"'],
    [{ CACHE_TTL_HOLIDAYS: 'forever' }, 'CACHE_TTL_HOLIDAYS: must be a whole number, got "forever"'],
    [{ CACHE_TTL_HOLIDAYS: '-1' }, 'CACHE_TTL_HOLIDAYS: must be between 1 and 31536000, got -1'],
    [{ 'CACHE_TTL_BAD-NAME': '5' }, 'CACHE_TTL_BAD-NAME: namespace must be 1-64 of A-Z 0-9 _'],
    [
      { CACHE_KEY_VERSION_PRICES: 'r/8' },
      'CACHE_KEY_VERSION_PRICES: must be 1-64 of A-Z a-z 0-9 . _ - (and not "lock"), got "r/8"',
    ],
    [{ CACHE_WAIT_REPLICAS_ORDERS: '11' }, 'CACHE_WAIT_REPLICAS_ORDERS: must be between 0 and 10, got 11'],
    [
      { CACHE_READ_FROM: 'slave' },
      'CACHE_READ_FROM: must be one of master | replica | replica-preferred, got "slave"',
    ],
    [{ CACHE_READ_YOUR_WRITES_MS: '-5' }, 'CACHE_READ_YOUR_WRITES_MS: must be between 0 and 60000, got -5'],
    [{ CACHE_FALLBACK: 'disk' }, 'CACHE_FALLBACK: must be one of memory | none, got "disk"'],
    [{ CACHE_FALLBACK_MAX_ITEMS: '0' }, 'CACHE_FALLBACK_MAX_ITEMS: must be between 1 and 10000000, got 0'],
    [{ CACHE_TIMEOUT_MS: '5' }, 'CACHE_TIMEOUT_MS: must be between 10 and 60000, got 5'],
    [{ CACHE_TIMEOUT_MS: 'fast' }, 'CACHE_TIMEOUT_MS: must be a whole number, got "fast"'],
    [{ CACHE_BREAKER_THRESHOLD: '0' }, 'CACHE_BREAKER_THRESHOLD: must be between 1 and 1000, got 0'],
    [{ CACHE_BREAKER_COOLDOWN_MS: '10' }, 'CACHE_BREAKER_COOLDOWN_MS: must be between 50 and 600000, got 10'],
    [{ CACHE_WAIT_REPLICAS: '-1' }, 'CACHE_WAIT_REPLICAS: must be between 0 and 10, got -1'],
    [{ CACHE_WAIT_TIMEOUT_MS: '0' }, 'CACHE_WAIT_TIMEOUT_MS: must be between 10 and 60000, got 0'],
    [{ CACHE_MAX_VALUE_BYTES: '0' }, 'CACHE_MAX_VALUE_BYTES: must be between 1 and 536870912, got 0'],
    [{ CACHE_MAX_KEY_BYTES: '8' }, 'CACHE_MAX_KEY_BYTES: must be between 16 and 65536, got 8'],
    [{ CACHE_EARLY_REFRESH: 'sometimes' }, 'CACHE_EARLY_REFRESH: must be true or false, got "sometimes"'],
    [
      { CACHE_EARLY_REFRESH_BETA: 'high' },
      'CACHE_EARLY_REFRESH_BETA: must be a positive number such as 1 or 0.5, got "high"',
    ],
    [{ CACHE_EARLY_REFRESH_BETA: '0' }, 'CACHE_EARLY_REFRESH_BETA: must be between 0.01 and 100, got 0'],
  ];
  it.each(invalid)('%j fails with one clear line', (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it('reports every bad variable at once', () => {
    expect(problems({ CACHE_TIMEOUT_MS: 'x', CACHE_FALLBACK: 'disk', CACHE_TTL_A: '0' })).toHaveLength(3);
  });

  it('CACHE_TTL_SECONDS is the default TTL, not a namespace called "seconds"', () => {
    expect(cache({ CACHE_TTL_SECONDS: '60', CACHE_TTL_HOLIDAYS: '90' }).namespaces).toEqual({
      holidays: { ttlSeconds: 90 },
    });
  });

  it('forRoot({ cache }) overrides the environment, field by field for namespaces', () => {
    const config = cache(
      { CACHE_TIMEOUT_MS: '250', CACHE_TTL_HOLIDAYS: '90', CACHE_KEY_VERSION_HOLIDAYS: 'a' },
      { timeoutMs: 100, namespaces: { Holidays: { ttlSeconds: 120 }, 'user-profiles': { waitReplicas: 1 } } },
    );
    expect(config.timeoutMs).toBe(100);
    expect(config.namespaces).toEqual({
      holidays: { ttlSeconds: 120, version: 'a' },
      user_profiles: { waitReplicas: 1 },
    });
  });

  it('forRoot({ cache: false }) turns the cache off like CACHE_ENABLED=false', () => {
    expect(cache({ CACHE_ENABLED: 'true' }, false).enabled).toBe(false);
  });

  const badOptions: Array<[Partial<CacheConfig>, string]> = [
    [{ timeoutMs: 1 }, 'RedisHaCacheModule.register({ timeoutMs }): must be between 10 and 60000, got 1'],
    [
      { fallbackMaxItems: 0 },
      'RedisHaCacheModule.register({ fallbackMaxItems }): must be between 1 and 10000000, got 0',
    ],
    [
      { readFrom: 'slave' as never },
      'RedisHaCacheModule.register({ readFrom }): must be one of master | replica | replica-preferred',
    ],
    [
      { fallback: 'disk' as never },
      'RedisHaCacheModule.register({ fallback }): must be one of memory | none',
    ],
    [
      { keyVersion: 'a b' },
      'RedisHaCacheModule.register({ keyVersion }): must be 1-64 of A-Z a-z 0-9 . _ - (and not "lock"), got "a b"',
    ],
    [
      { keyPrefix: 'a b' },
      'RedisHaCacheModule.register({ keyPrefix }): must be at most 64 characters without spaces',
    ],
    [
      { namespaces: { 'bad name': {} } },
      'RedisHaCacheModule.register({ namespaces.bad name }): namespace must be 1-64 of A-Z a-z 0-9 _ -',
    ],
    [
      { namespaces: { a: { ttlSeconds: 0 } } },
      'RedisHaCacheModule.register({ namespaces.a }).ttlSeconds: must be between 1 and 31536000, got 0',
    ],
    [
      { namespaces: { a: { waitReplicas: 20 } } },
      'RedisHaCacheModule.register({ namespaces.a }).waitReplicas: must be between 0 and 10, got 20',
    ],
  ];
  it.each(badOptions)('forRoot(%j) fails with one clear line', (options, message) => {
    expect(problems({}, options)).toEqual([message]);
  });

  it('namespace names match their variables case-insensitively, "-" as "_"', () => {
    expect(namespaceId('User-Profiles')).toBe('user_profiles');
    expect(namespaceId('HOLIDAYS')).toBe('holidays');
  });
});
