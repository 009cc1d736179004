import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import { parseCacheConfig } from './cache.config';
import { loadRedisHaConfig, loadSection } from './load-config';

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof RedisHaConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('loadRedisHaConfig (the core)', () => {
  it("reads the connection section only: a bad CACHE_* variable is the cache module's business", () => {
    const config = loadRedisHaConfig({ env: { REDIS_URL: 'redis://h:6380', CACHE_TTL_SECONDS: 'x' } });
    expect(config).toEqual({ connection: expect.objectContaining({ host: 'h', port: 6380 }) });
  });

  it('says where the feature options that forRoot() used to take went', () => {
    const options = { env: {}, cache: {}, queue: {}, health: {} } as never;
    expect(problems(() => loadRedisHaConfig(options))).toEqual([
      'forRoot({ cache }): moved: configure it with RedisHaCacheModule.register({ ... }) from nestjs-redis-ha/cache',
      'forRoot({ queue }): moved: configure it with RedisHaQueueModule.registerQueue({ name, ... }) and its settings from nestjs-redis-ha/queue',
      'forRoot({ health }): moved: configure it with RedisHaHealthModule.register({ ... }) from nestjs-redis-ha/health',
    ]);
  });
});

describe('loadSection (a feature)', () => {
  it('validates its own section from the given environment and options', () => {
    expect(loadSection({ CACHE_TTL_SECONDS: '60' }, parseCacheConfig).ttlSeconds).toBe(60);
    expect(loadSection({ CACHE_TTL_SECONDS: '60' }, parseCacheConfig, { ttlSeconds: 5 }).ttlSeconds).toBe(5);
    expect(problems(() => loadSection({ CACHE_TTL_SECONDS: 'x' }, parseCacheConfig))).toEqual([
      'CACHE_TTL_SECONDS: must be a whole number, got "x"',
    ]);
  });
});
