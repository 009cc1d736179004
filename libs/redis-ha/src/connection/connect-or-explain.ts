import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import type { ConnectionConfig } from '../config/connection.config';
import { RedisHaConnectionError } from '../errors/redis-ha-connection.error';
import type { Topology } from '../topology/topology';

const AUTH = /WRONGPASS|NOAUTH|invalid username-password|AUTH failed/i;
const TLS = /certificate|self.signed|SSL|TLS|EPROTO|unable to verify|ERR_TLS/i;

/**
 * Connects `client` at startup within `REDIS_CONNECT_TIMEOUT_MS`, or fails with an error that names the setting
 * to fix, instead of letting ioredis reconnect forever with no message. With `REDIS_LAZY_CONNECT=true` the
 * client connects in the background and startup never waits.
 */
export async function connectOrExplain(
  client: Redis | Cluster,
  config: ConnectionConfig,
  name: string,
  topology: Topology,
): Promise<void> {
  if (config.lazyConnect) {
    client.connect().catch(() => undefined);
    return;
  }
  const errors: Error[] = [];
  const onError = (err: Error) => errors.push(err);
  client.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), config.connectTimeoutMs);
      }),
    ]);
  } catch {
    client.disconnect(false);
    throw await explain(config, name, errors, topology);
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
  }
}

async function explain(
  config: ConnectionConfig,
  name: string,
  errors: Error[],
  topology: Topology,
): Promise<RedisHaConnectionError> {
  const prefix = `Redis connection "${name}" could not start within ${config.connectTimeoutMs} ms:`;
  const redisAuth = errors.find((e) => AUTH.test(e.message) && e.name !== 'SentinelLookupError');
  if (redisAuth) {
    const who = config.username ? `ACL user "${config.username}"` : 'the default user';
    return new RedisHaConnectionError(
      `${prefix} Redis refused the credentials of ${who}`,
      'REDIS_USERNAME / REDIS_PASSWORD',
    );
  }
  const tls = errors.find((e) => TLS.test(e.message));
  if (tls) {
    return new RedisHaConnectionError(
      `${prefix} TLS handshake failed: ${tls.message}`,
      'REDIS_TLS, REDIS_TLS_CA_FILE / REDIS_TLS_CERT_FILE / REDIS_TLS_KEY_FILE',
    );
  }
  const noPerm = errors.find((e) => /NOPERM/.test(e.message));
  if (noPerm) {
    return new RedisHaConnectionError(
      `${prefix} the ACL user lacks a permission: ${noPerm.message}`,
      'REDIS_USERNAME',
    );
  }
  const explained = await topology.explainStartupFailure(prefix);
  if (explained) return explained;
  const last = errors.at(-1)?.message ?? 'no answer';
  return new RedisHaConnectionError(
    `${prefix} ${config.host}:${config.port} did not answer (${last})`,
    'REDIS_URL or REDIS_HOST / REDIS_PORT',
  );
}
