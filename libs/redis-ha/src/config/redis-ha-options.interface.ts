import type { CacheConfig } from './cache.config';
import type { ConnectionConfig } from './connection.config';
import type { Env } from './env-reader';
import type { HealthConfig } from './health.config';
import type { ConnectionOptions } from './parse-connection.config';
import type { QueueConfig } from './queue.config';

/**
 * Options of `RedisHaModule.forRoot()` / `forRootAsync()`. Every field is optional: what is not given comes from
 * the environment (see the README's environment reference), then from the documented default.
 */
export interface RedisHaModuleOptions extends ConnectionOptions {
  /** Cache settings, or `false` to turn the cache off (same as `CACHE_ENABLED=false`). */
  cache?: Partial<CacheConfig> | false;
  /** Queue settings (BullMQ). */
  queue?: Partial<QueueConfig>;
  /** Health and metrics settings. */
  health?: Partial<HealthConfig>;
  /** The environment to read. @default process.env */
  env?: Env;
}

/** The whole validated configuration, injectable as `REDIS_HA_CONFIG`. */
export interface RedisHaConfig {
  connection: ConnectionConfig;
  cache: CacheConfig;
  queue: QueueConfig;
  health: HealthConfig;
}
