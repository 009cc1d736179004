import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import { parseCacheConfig, type CacheConfig } from './cache.config';
import { EnvReader, type Env } from './env-reader';
import { parseHealthConfig, type HealthConfig } from './health.config';
import { parseConnectionConfig } from './parse-connection.config';
import { parseQueueConfig, type QueueConfig } from './queue.config';
import type { RedisHaConfig, RedisHaModuleOptions, RedisHaSettings } from './redis-ha-options.interface';

/** Feature sections that `forRoot()` took before the features became modules of their own. */
const MOVED: Record<string, string> = {
  cache: 'RedisHaCacheModule.register({ ... }) from nestjs-redis-ha/cache',
  queue: 'RedisHaQueueModule.registerQueue({ name, ... }) and its settings from nestjs-redis-ha/queue',
  health: 'RedisHaHealthModule.register({ ... }) from nestjs-redis-ha/health',
};

/**
 * The core's configuration: the connection section, from `forRoot()` options over the environment. Throws one
 * `RedisHaConfigError` listing every problem, so a misconfigured pod fails at startup with the whole list.
 */
export function loadRedisHaConfig(options: RedisHaModuleOptions = {}): RedisHaConfig {
  const { env, ...connection } = options;
  const reader = new EnvReader(env ?? process.env);
  for (const [field, where] of Object.entries(MOVED)) {
    if (field in connection) reader.fail(`forRoot({ ${field} })`, `moved: configure it with ${where}`);
  }
  const config = { connection: parseConnectionConfig(reader, connection) };
  if (reader.problems.length > 0) throw new RedisHaConfigError(reader.problems);
  return config;
}

/**
 * One feature's section (`CACHE_*`, `QUEUE_*`, `HEALTH_*`/`METRICS_*`), from the feature module's options over
 * the environment the core reads. Each feature validates its own section when it starts, with the same error.
 */
export function loadSection<T, O>(env: Env, parse: (reader: EnvReader, options?: O) => T, options?: O): T {
  const reader = new EnvReader(env);
  const section = parse(reader, options);
  if (reader.problems.length > 0) throw new RedisHaConfigError(reader.problems);
  return section;
}

/** Every section at once (tests, tools, a health check script): what the core and all features would load. */
export function loadAllSettings(
  env: Env = process.env,
  options: {
    cache?: Partial<CacheConfig>;
    queue?: Partial<QueueConfig>;
    health?: Partial<HealthConfig>;
  } = {},
): RedisHaSettings {
  return {
    connection: loadRedisHaConfig({ env }).connection,
    cache: loadSection(env, parseCacheConfig, options.cache),
    queue: loadSection(env, parseQueueConfig, options.queue),
    health: loadSection(env, parseHealthConfig, options.health),
  };
}
