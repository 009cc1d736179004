/** Injection token of the options given to `RedisHaModule.forRoot()` / `forRootAsync()`. */
export const REDIS_HA_MODULE_OPTIONS = 'REDIS_HA:MODULE_OPTIONS';
/** Injection token of the validated configuration (`RedisHaConfig`): options merged over the environment. */
export const REDIS_HA_CONFIG = 'REDIS_HA:CONFIG';
/** Name of the writer (master) connection: `@InjectRedis()`. */
export const DEFAULT_CONNECTION = 'default';
/** Name of the reader connection: `@InjectRedis('reader')`. */
export const READER_CONNECTION = 'reader';

/** Token of a named ioredis client, for `@Inject(getRedisToken(name))` or `@InjectRedis(name)`. */
export function getRedisToken(name: string = DEFAULT_CONNECTION): string {
  return `REDIS_HA:CONNECTION:${name}`;
}
/** Injection token of the environment the core reads (`forRoot({ env })`, else `process.env`): features read it too. */
export const REDIS_HA_ENV = 'REDIS_HA:ENV';
