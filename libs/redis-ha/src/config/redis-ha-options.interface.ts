import type { CacheConfig } from './cache.config';
import type { ConnectionConfig } from './connection.config';
import type { Env } from './env-reader';
import type { HealthConfig } from './health.config';
import type { ConnectionOptions } from './parse-connection.config';
import type { QueueConfig } from './queue.config';

/**
 * Options of `RedisHaModule.forRoot()` / `forRootAsync()`: the connections. Every field is optional: what is not
 * given comes from the environment (see the README's environment reference), then from the documented default.
 * The cache, queues and health are feature modules with options of their own.
 */
export interface RedisHaModuleOptions extends ConnectionOptions {
  /** The environment to read, by the core and by every feature module that imports it. @default process.env */
  env?: Env;
}

/** The core's validated configuration, injectable as `REDIS_HA_CONFIG`. */
export interface RedisHaConfig {
  connection: ConnectionConfig;
}

/** Every section, as `loadAllSettings()` returns them. */
export interface RedisHaSettings extends RedisHaConfig {
  cache: CacheConfig;
  queue: QueueConfig;
  health: HealthConfig;
}
