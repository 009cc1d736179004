/**
 * Thrown at startup when a connection cannot be established within the connect timeout: names the setting to
 * check (`REDIS_SENTINEL_HOSTS`, `REDIS_MASTER_NAME`, `REDIS_PASSWORD`, ...) and what the server answered.
 */
export class RedisHaConnectionError extends Error {
  override readonly name = 'RedisHaConnectionError';

  constructor(
    message: string,
    readonly setting?: string,
  ) {
    super(setting ? `${message} (check ${setting})` : message);
  }
}
