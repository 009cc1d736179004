import type Redis from 'ioredis';
import type { ConnectionConfig } from '../config/connection.config';
import { RedisHaConnectionError } from '../errors/redis-ha-connection.error';
import type { SentinelAnswer, SentinelResolver } from './sentinel-resolver';

const AUTH = /WRONGPASS|NOAUTH|invalid username-password|AUTH failed/i;
const TLS = /certificate|self.signed|SSL|TLS|EPROTO|unable to verify|ERR_TLS/i;
const UNREACHABLE = /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|not connected|timed out|closed/i;

/**
 * Connects `client` at startup within `REDIS_CONNECT_TIMEOUT_MS`, or fails with an error that names the setting
 * to fix, instead of letting ioredis reconnect forever with no message. With `REDIS_LAZY_CONNECT=true` the
 * client connects in the background and startup never waits.
 */
export async function connectOrExplain(
  client: Redis,
  config: ConnectionConfig,
  name: string,
  resolver?: SentinelResolver,
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
    throw await explain(config, name, errors, resolver);
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
  }
}

async function explain(
  config: ConnectionConfig,
  name: string,
  errors: Error[],
  resolver?: SentinelResolver,
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
  if (config.mode === 'sentinel' && resolver)
    return explainSentinels(prefix, config, await resolver.askAll());
  const last = errors.at(-1)?.message ?? 'no answer';
  return new RedisHaConnectionError(
    `${prefix} ${config.host}:${config.port} did not answer (${last})`,
    'REDIS_URL or REDIS_HOST / REDIS_PORT',
  );
}

function explainSentinels(
  prefix: string,
  config: ConnectionConfig,
  answers: SentinelAnswer[],
): RedisHaConnectionError {
  const list = answers.map((a) => `${a.sentinel.host}:${a.sentinel.port} (${a.error ?? 'ok'})`).join(', ');
  if (answers.some((a) => a.error && AUTH.test(a.error))) {
    return new RedisHaConnectionError(
      `${prefix} the sentinels refused the credentials: ${list}`,
      'REDIS_SENTINEL_USERNAME / REDIS_SENTINEL_PASSWORD',
    );
  }
  if (answers.some((a) => a.error && /No such master/i.test(a.error))) {
    return new RedisHaConnectionError(
      `${prefix} the sentinels do not monitor a master named "${config.masterName}": ${list}`,
      'REDIS_MASTER_NAME',
    );
  }
  if (answers.every((a) => a.error && UNREACHABLE.test(a.error))) {
    return new RedisHaConnectionError(`${prefix} no sentinel answered: ${list}`, 'REDIS_SENTINEL_HOSTS');
  }
  const master = answers.find((a) => a.master)?.master;
  const where = master ? `the master the sentinels name (${master.host}:${master.port})` : 'no master';
  return new RedisHaConnectionError(
    `${prefix} ${where} did not accept a connection; sentinels: ${list}`,
    'REDIS_NAT_MAP (if clients reach Redis at other addresses), REDIS_TLS',
  );
}
