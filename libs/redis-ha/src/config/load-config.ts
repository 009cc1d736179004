import { RedisHaConfigError } from '../errors/redis-ha-config.error';
import { parseCacheConfig } from './cache.config';
import { EnvReader } from './env-reader';
import { parseHealthConfig } from './health.config';
import { parseConnectionConfig } from './parse-connection.config';
import { parseQueueConfig } from './queue.config';
import type { RedisHaConfig, RedisHaModuleOptions } from './redis-ha-options.interface';

/**
 * The one place the library reads the environment. Validates every section and throws one
 * `RedisHaConfigError` listing every problem, so a misconfigured pod fails at startup with the whole list.
 */
export function loadRedisHaConfig(options: RedisHaModuleOptions = {}): RedisHaConfig {
  const { cache, queue, health, env, ...connection } = options;
  const reader = new EnvReader(env ?? process.env);
  const config: RedisHaConfig = {
    connection: parseConnectionConfig(reader, connection),
    cache: parseCacheConfig(reader, cache === false ? { enabled: false } : cache),
    queue: parseQueueConfig(reader, queue),
    health: parseHealthConfig(reader, health),
  };
  if (reader.problems.length > 0) throw new RedisHaConfigError(reader.problems);
  return config;
}
