import type Redis from 'ioredis';
import type { ConnectionConfig } from '../config/connection.config';
import { RedisHaConnectionError } from '../errors/redis-ha-connection.error';

// Provisional: refined by the connection work (issue 3). Signature is stable.
/** Connects `client` at startup within the connect timeout, or throws an error that names the setting to fix. */
export async function connectOrExplain(client: Redis, config: ConnectionConfig, name: string): Promise<void> {
  if (config.lazyConnect) {
    client.connect().catch(() => undefined);
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), config.connectTimeoutMs);
      }),
    ]);
  } catch (err) {
    client.disconnect(false);
    throw new RedisHaConnectionError(`Redis connection "${name}" failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
