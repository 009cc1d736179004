import type Redis from 'ioredis';
import type { CacheConfig } from '../config/cache.config';
import type { Logger } from '@nestjs/common';
import type { CacheMetrics } from './cache-metrics';
import { type DurableWriteResult, durableSet } from './durable-write';
import type { CacheKeys } from './cache-keys';
import type { FallbackController, RedisRecovery } from './fallback-controller';
import type { TrackedClient } from './tracked-client';

/** The cache store's writes beyond get/set/delete, each one Redis exchange or loop, apart from its routing. */

/** Deletes every key under `prefix` (all cache versions), `UNLINK`ing each `SCAN` batch. */
export async function unlinkByPrefix(client: Redis, prefix: string): Promise<void> {
  const stream = client.scanStream({ match: `${prefix}*`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>)
    if (keys.length > 0) await client.unlink(...keys);
}

/** `SET lockKey pid PX ttl NX`: true when this process took the lock. */
export async function takeLock(client: Redis, lockKey: string, ttlMs: number): Promise<boolean> {
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
  client: Redis | undefined,
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
export function redisRecovery(client: () => Redis | undefined, keys: CacheKeys): RedisRecovery {
  return {
    // A write, so that a replica or a master refusing writes does not count as back.
    probe: async () => {
      await client()?.set(keys.probeKey(), String(process.pid), 'PX', 10_000);
    },
    invalidate: async (list) => {
      const writer = client();
      if (writer && list.length > 0) await writer.del(...list.map((k) => keys.redisKey(k)));
    },
  };
}
