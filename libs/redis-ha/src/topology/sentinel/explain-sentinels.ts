import type { ConnectionConfig } from '../../config/connection.config';
import { RedisHaConnectionError } from '../../errors/redis-ha-connection.error';
import type { SentinelAnswer } from '../../errors/master-not-found.error';

const AUTH = /WRONGPASS|NOAUTH|invalid username-password|AUTH failed/i;
const UNREACHABLE = /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|not connected|timed out|closed/i;

/** Why no connection started in sentinel mode, from what every sentinel answered, naming the setting to fix. */
export function explainSentinels(
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
