import { Logger } from '@nestjs/common';
import { isTransientRedisError } from './transient-error';

const logger = new Logger('RedisHa:Queue');

/**
 * The 'error' listener the library puts on its queues and workers: failover noise (refused reconnects to the
 * dead master; the connection layer reports the failover itself) at debug level, anything else as an error.
 */
export function logQueueError(what: string, err: Error): void {
  if (isTransientRedisError(err)) logger.debug(`${what}: ${err.message}`);
  else logger.error(`${what}: ${err.message}`);
}
