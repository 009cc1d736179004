import type { RedisClient } from '../topology/topology';
import type { CacheConfig } from '../config/cache.config';
import type { Logger } from '@nestjs/common';
import type { CacheMetrics } from './cache-metrics';
import { type DurableWriteResult, durableSet } from './durable-write';
import type { CacheKeys } from './cache-keys';
import type { FallbackController } from './fallback-controller';
import type { RedisRecovery } from './redis-recovery';
import type { TrackedClient } from './tracked-client';
import { deleteKeys, unlinkByPrefix } from './key-commands';

/** The cache store's writes beyond get/set/delete, each one Redis exchange or loop, apart from its routing. */

/** `SET lockKey pid PX ttl NX`: true when this process took the lock. */
export async function takeLock(client: RedisClient, lockKey: string, ttlMs: number): Promise<boolean> {
  const reply = await client.set(lockKey, String(process.pid), 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
  return reply === 'OK';
}

/**
 * A durable write (`SET` then `WAIT`, see `durableSet`) within the cache's bounds, counted in the metrics:
 * retries, confirmed and unconfirmed writes.
 */
export async function countedDurableSet(
  durable: TrackedClient,
  config: Pick<CacheConfig, 'timeoutMs' | 'waitTimeoutMs'>,
  metrics: CacheMetrics,
  redisKey: string,
  raw: string,
  ttl: number,
  wait: number,
): Promise<DurableWriteResult> {
  const { timeoutMs, waitTimeoutMs } = config;
  const deadline = Date.now() + timeoutMs + waitTimeoutMs;
  const result = await durableSet(durable, redisKey, raw, ttl, wait, waitTimeoutMs, deadline);
  metrics.durableRetries += result.attempts - 1;
  if (result.confirmed) metrics.durableConfirmed++;
  else metrics.durableUnconfirmed++;
  return result;
}

/**
 * Runs `call` on Redis unless the cache is off or on its fallback (then `otherwise`), and tells the fallback
 * whether Redis answered; a failure is answered with `otherwise` too.
 */
export async function viaRedis<T>(
  fallback: FallbackController,
  call: (() => Promise<T>) | undefined,
  otherwise: T,
): Promise<T> {
  if (!call || fallback.active) return otherwise;
  try {
    const result = await call();
    fallback.success();
    return result;
  } catch (err) {
    fallback.failure(err);
    return otherwise;
  }
}

/** Empties the memory fallback and deletes every key under `prefix`; only the former while Redis is unreachable. */
export async function clearCache(
  client: RedisClient | undefined,
  fallback: FallbackController,
  prefix: string,
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  fallback.memory?.clear();
  if (!client) return;
  if (fallback.active) {
    logger.warn('Cache clear() while Redis is unreachable: only the memory fallback was cleared');
    return;
  }
  await unlinkByPrefix(client, prefix);
}

/** How the fallback checks that Redis is back and replays the deletes it missed, on the writer of the moment. */
export function redisRecovery(client: () => RedisClient | undefined, keys: CacheKeys): RedisRecovery {
  return {
    // A write, so that a replica or a master refusing writes does not count as back.
    probe: async () => {
      await client()?.set(keys.probeKey(), String(process.pid), 'PX', 10_000);
    },
    invalidate: async (list) => {
      const writer = client();
      if (writer)
        await deleteKeys(
          writer,
          list.map((k) => keys.redisKey(k)),
        );
    },
  };
}
